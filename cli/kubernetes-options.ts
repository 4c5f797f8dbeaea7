// What the Kubernetes sub-commands share: the kubeconfig and its namespace, the pipeline file →
// run input, and checked numeric and duration flags.
import type { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../contract/index.js';
import {
  type LoadedPipeline,
  loadPipelineFiles,
  loadRunFiles,
  type ParamValue,
  type PipelineRunRequest,
  resolveRunParams,
  type WorkspaceBinding,
} from '../syntax/index.js';
import { KILN_VERSION } from './version.js';

export const DEFAULT_AGENT_IMAGE = `ghcr.io/kiln-dev/kiln-agent:${KILN_VERSION}`;

/** Loads the Kubernetes client only here: it takes longer to load than the rest of `kiln` to start. */
export async function loadKubeConfig(): Promise<{ kc: KubeConfig; namespace: string }> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (err) {
    throw new UsageError(
      `cannot load a kubeconfig: ${err instanceof Error ? err.message : String(err)}`,
      'set KUBECONFIG or create ~/.kube/config',
    );
  }
  if (!kc.getCurrentCluster())
    throw new UsageError('the kubeconfig has no current cluster', 'select one with `kubectl config use-context NAME`');
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return { kc, namespace: ctx?.namespace || 'default' };
}

/** Pipeline files read for a cluster: the request, params resolved, and the params as the user gave them. */
export interface LoadedRun extends PipelineRunRequest {
  /** Only the params the user gave (a PipelineRun carries these; defaults stay in the pipeline). */
  given: Record<string, ParamValue>;
}

export function loadRun(files: string[], cliParams: Record<string, string>): LoadedRun {
  return runOf(loadPipelineFiles(files), cliParams);
}

/** Every run the files hold (a file of several Tekton runs: each), as loadRun reads one. */
export function loadRuns(files: string[], cliParams: Record<string, string>): LoadedRun[] {
  return loadRunFiles(files).map((loaded) => runOf(loaded, cliParams));
}

function runOf({ pipeline, run }: LoadedPipeline, cliParams: Record<string, string>): LoadedRun {
  const given = { ...run?.params, ...cliParams };
  const params = resolveRunParams(pipeline, given);
  const workspaces: Record<string, WorkspaceBinding> = {};
  for (const w of pipeline.workspaces) workspaces[w.name] = run?.workspaces[w.name] ?? { kind: 'emptyDir' };
  return {
    pipeline,
    params,
    given,
    workspaces,
    timeoutMs: run?.timeoutMs,
    ...(run?.taskRunSpecs && { taskRunSpecs: run.taskRunSpecs }),
  };
}

export function positiveNumber(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new UsageError(`${flag} ${value}: give a number above 0 and at most ${max}`);
  return n;
}
