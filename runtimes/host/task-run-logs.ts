// Where a task run's logs go, decided as it starts: stored by this process (LocalRuntimeOptions
// .logSink: kiln run's embedded collector, in-process-logs.ts), or shipped to a collector by a log
// proxy (the `sidecar` option's argv): the agent's own inside the host runner, any other argv, or
// any under --isolate, a process of its own. A task run cancelled before its go-ahead has neither.
import { kilnPaths } from '../../contract/index.js';
import type { ResolvedStep, TaskRunPlan } from '../../engine/index.js';
import { InProcessLogs, type LogSink } from './in-process-logs.js';
import { collectorTokenFile } from './layout.js';
import { agentCommandArgs } from './sandbox.js';

export interface SidecarContext {
  plan: TaskRunPlan;
  /** The task run directory on the host. */
  root: string;
  steps: ResolvedStep[];
  /** The run's collector token, written by the runtime when the run ships to a collector. */
  tokenFile?: string;
}

/** What a log proxy's end is read with (log-proxy-sidecar.ts). */
export interface ProxySpec {
  stateDir: string;
  spool: (i: number) => string;
  steps: number;
  onWarning: (line: string) => void;
}

export interface TaskRunLogs {
  /** Stored by this process (then also the task run's LogShipping). */
  inProcess?: InProcessLogs;
  /** The log proxy's argv, as the sidecar option gave it. */
  proxyArgv?: string[];
  /** The agent's own log proxy's arguments, for the host runner (not under --isolate). */
  hostedArgs?: string[];
  spec: ProxySpec;
}

export function taskRunLogs(o: {
  plan: TaskRunPlan;
  root: string;
  /** The steps, then the sidecars (named `sidecar-NAME`): a spool each, in this order. */
  steps: ResolvedStep[];
  isolate: boolean;
  cancelled: boolean;
  agent: string[];
  logSink?: LogSink;
  sidecar?: (ctx: SidecarContext) => string[] | undefined;
  onWarning?: (message: string) => void;
}): TaskRunLogs {
  const { plan, root } = o;
  const paths = kilnPaths(root);
  const spec: ProxySpec = {
    stateDir: paths.proxyStateDir,
    spool: (i) => paths.spoolFile(i),
    steps: o.steps.length,
    onWarning: (line) => o.onWarning?.(`${plan.name}: ${line}`),
  };
  if (o.cancelled) return { spec };
  if (o.logSink) {
    const names = o.steps.map((s) => s.name);
    return {
      spec,
      inProcess: new InProcessLogs(o.logSink, plan.pipelineRun, plan.name, names, spec.spool, spec.onWarning),
    };
  }
  const proxyArgv = o.sidecar?.({ plan, root, steps: o.steps, tokenFile: plan.collector && collectorTokenFile(root) });
  const hostedArgs = !o.isolate && proxyArgv ? agentCommandArgs(o.agent, proxyArgv, 'log-proxy') : undefined;
  return { spec, proxyArgv, hostedArgs };
}
