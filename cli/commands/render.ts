// `kiln render FILE --task NAME`: prints the Pod the controller would create for one task of a
// pipeline, as YAML, for debugging. Nothing is sent anywhere.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { DEFAULT_AGENT_IMAGE, loadRun } from '../kubernetes-options.js';
import { buildPod, POD_SECURITY_HELP, podSecurityFlag } from '../../runtimes/kubernetes/index.js';
import { planForTask } from '../../engine/index.js';
import { collect, parseParamFlags } from '../run-options.js';

interface RenderFlags {
  task: string;
  param: string[];
  namespace: string;
  agentImage?: string;
  runName?: string;
  collector?: string;
  podSecurity?: string;
}

export function registerRender(program: Command): void {
  program
    .command('render')
    .description('print the Pod manifest the Kubernetes controller would create for one task (YAML)')
    .argument('<files...>', 'pipeline files (Kiln YAML or Tekton documents)')
    .requiredOption('--task <name>', 'the pipeline task to render')
    .option('--param <name=value>', 'a pipeline param (repeatable)', collect, [])
    .option('--namespace <ns>', 'namespace written into the Pod', 'default')
    .option('--agent-image <image>', `agent image (default: $KILN_AGENT_IMAGE or ${DEFAULT_AGENT_IMAGE})`)
    .option('--run-name <name>', 'the PipelineRun name to render for (default: <pipeline>-render)')
    .option('--collector <url>', 'collector URL: adds the log-proxy sidecar')
    .option('--pod-security <mode>', `${POD_SECURITY_HELP} (default: $KILN_POD_SECURITY, else image)`)
    .action((files: string[], f: RenderFlags) => {
      const run = loadRun(files, parseParamFlags(f.param));
      const runName = f.runName ?? `${run.pipeline.name}-render`;
      const plan = planForTask(
        {
          runName,
          pipeline: run.pipeline,
          params: run.params,
          workspaces: run.workspaces,
          timeoutMs: run.timeoutMs,
          collector: f.collector ? { url: f.collector, token: '' } : undefined,
        },
        f.task,
      );
      const pod = buildPod(plan, {
        namespace: f.namespace,
        agentImage: f.agentImage ?? process.env.KILN_AGENT_IMAGE ?? DEFAULT_AGENT_IMAGE,
        owner: { name: runName, uid: '00000000-0000-0000-0000-000000000000' },
        podSecurity: podSecurityFlag(f.podSecurity ?? process.env.KILN_POD_SECURITY),
      });
      process.stdout.write(stringify(pod));
    });
}
