// `kiln apply FILE`: validates a Kiln pipeline here, then creates a PipelineRun embedding it in
// the current kubeconfig's namespace. The controller in the cluster runs it. The files its tasks
// call (`pipeline: ./x.yaml`) go first, as Pipeline resources (apply-called.ts).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { durationFlag, UsageError } from '../../contract/index.js';
import { loadKubeConfig, loadRun } from '../kubernetes-options.js';
import { ANNOTATIONS, createKubeClient, KILN_API_VERSION } from '../../runtimes/kubernetes/index.js';
import { collect, parseMaxDepth, parseParamFlags } from '../run-options.js';
import { planCalled } from '../apply-called.js';

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description(
      'create a PipelineRun of a Kiln pipeline in the current kubeconfig namespace (the files its tasks call with pipeline: go first, as Pipelines)',
    )
    .argument('<file>', 'a pipeline in the Kiln syntax')
    .option('--param <name=value>', 'a pipeline param (repeatable)', collect, [])
    .option('--namespace <ns>', "namespace (default: the kubeconfig context's)")
    .option('--timeout <duration>', 'overrides the pipeline timeout (e.g. 1h30m)')
    .option('--max-depth <n>', 'how deep pipelines may call pipelines, across the child PipelineRuns; default 10')
    .action(async (file: string, f: { param: string[]; namespace?: string; timeout?: string; maxDepth?: string }) => {
      // Everything is checked here, before the cluster is contacted.
      const run = loadRun([file], parseParamFlags(f.param));
      if (f.timeout) durationFlag('--timeout', f.timeout);
      const maxDepth = parseMaxDepth(f.maxDepth);
      const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      if (typeof doc?.apiVersion === 'string') {
        throw new UsageError(
          `${file} is a Tekton document; kiln apply embeds Kiln pipelines`,
          'on a Tekton cluster use `kiln export --to tekton FILE | kubectl create -f -`',
        );
      }
      const called = planCalled(file, run.pipeline, (path) => readFileSync(path, 'utf8'));
      const { kc, namespace } = await loadKubeConfig();
      const ns = f.namespace ?? namespace;
      const client = createKubeClient(kc);
      for (const [name, spec] of called.pipelines) {
        const done = await client.applyPipeline(ns, {
          apiVersion: KILN_API_VERSION,
          kind: 'Pipeline',
          metadata: { name },
          spec,
        });
        process.stdout.write(`pipeline.kiln.dev/${name} ${done} (${String(spec.name)})\n`);
      }
      const created = await client.createPipelineRun(ns, {
        apiVersion: KILN_API_VERSION,
        kind: 'PipelineRun',
        metadata: {
          generateName: `${run.pipeline.name}-`,
          ...(maxDepth !== undefined && { annotations: { [ANNOTATIONS.maxPipelineDepth]: String(maxDepth) } }),
        },
        spec: { pipelineSpec: called.root, params: run.given, ...(f.timeout ? { timeout: f.timeout } : {}) },
      });
      process.stdout.write(`pipelinerun.kiln.dev/${created.metadata.name} created in namespace ${ns}\n`);
    });
}
