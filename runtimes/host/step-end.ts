// A step's end on the local runtime: its post file made sure of (the later steps and the log proxy
// wait for one), its facts recorded, and, once every step has ended, the task run finished: its
// sidecars stopped, what it left behind killed, and its end reported at once, its logs still on
// their way (ObservedTaskRun.logsPending); then, once the logs are delivered, reported again with them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ERR_SUFFIX, kilnPaths, readTermination } from '../../contract/index.js';
import { runMarker, signalMarked } from '../../contract/proc/index.js';
import { withSidecarFailure, type ObservedTaskRun } from '../../engine/index.js';
import type { LiveTaskRun, OutputLine } from './live-run.js';
import type { StepLogs } from './log-proxy-sidecar.js';
import { observeSteps, observeTaskRun } from './observe.js';

export interface StepEndContext {
  onOutput?: (line: OutputLine) => void;
  listener: (u: ObservedTaskRun) => void;
  sidecarLimitMs?: number;
  /** Every step has ended, the task run about to be reported so, its logs still shipping (log-order.ts). */
  stepsDone: (run: LiveTaskRun) => void;
  /** The runtime lets go of the ended task run (its records, its runner, its directory) once its logs are delivered. */
  retire: (run: LiveTaskRun, logs: StepLogs[] | undefined) => void;
}

export async function stepEnded(
  ctx: StepEndContext,
  run: LiveTaskRun,
  i: number,
  code: number | null,
  signal: string | null,
  spawnError?: string,
): Promise<void> {
  if (run.ending.has(i)) return;
  run.ending.add(i);
  if (spawnError)
    ctx.onOutput?.({
      pipelineRun: run.plan.pipelineRun,
      taskRun: run.plan.name,
      task: run.plan.task,
      step: run.steps[i]!.name,
      stream: 'stderr',
      line: `kiln: cannot start the agent: ${spawnError}`,
    });
  const paths = kilnPaths(run.root);
  const text = readOrUndefined(paths.localTerminationFile(i));
  // An agent killed before it wrote its post file: the next steps and the log proxy wait for one.
  if (!existsSync(paths.postFile(i)) && !existsSync(paths.postFile(i) + ERR_SUFFIX)) {
    try {
      writeFileSync(paths.postFile(i) + ERR_SUFFIX, '');
    } catch {
      // a read-only run directory: releaseIfUnposted below stops the later agents
    }
  }
  run.facts[i] = { ...run.facts[i], exited: { code, signal, at: Date.now() }, termination: readTermination(text) };
  // Not even the .err twin could be written (a read-only run directory): release the later agents.
  if (!run.cancel) releaseIfUnposted(run, i);
  if (!run.facts.every((f) => f.exited)) {
    ctx.listener({
      name: run.plan.name,
      status: 'Running',
      results: {},
      steps: observeSteps(run.steps, run.facts, run.cancel),
      startedAt: run.startedAt,
    });
    return;
  }
  await run.sidecars?.stop();
  run.killTimers.forEach(clearTimeout);
  // Nothing of a task run outlives it: what a step left behind, even by setsid. Its log proxy, a
  // process of its own in the sandbox, is spared: it still delivers what the steps wrote.
  const proxy = run.sidecar?.pid;
  const spared = [process.pid, ...(proxy ? [proxy] : [])];
  signalMarked(runMarker(run.plan.pipelineRun, run.plan.name), 'SIGKILL', spared, run.bornAfter);
  const observed = withSidecarFailure(
    observeTaskRun(run.plan.name, run.steps, run.facts, run.cancel, run.startedAt),
    run.sidecars?.endedEarly() ?? [],
  );
  const early = !!run.sidecar?.endsBeforeLogs;
  if (early) {
    // Reported now: the task's dependents need not wait for the collector to have stored its logs.
    ctx.stepsDone(run);
    ctx.listener({ ...observed, logsPending: true });
  }
  const logs = await run.sidecar?.finished(ctx.sidecarLimitMs);
  ctx.retire(run, logs);
  const final = logs ? withLogs(observed, logs) : observed;
  // Reported a second time, only the logs are new: the stored results were fetched with the first report.
  ctx.listener(early ? { ...final, stored: undefined } : final);
}

/**
 * A step whose agent wrote neither its post file nor the `.err` twin (a read-only or broken
 * disk) would leave the later agents waiting forever: they are stopped, and shown as skipped.
 */
function releaseIfUnposted(run: LiveTaskRun, i: number): void {
  const post = kilnPaths(run.root).postFile(i);
  if (i === run.steps.length - 1 || existsSync(post) || existsSync(post + ERR_SUFFIX)) return;
  const later: number[] = [];
  for (let j = i + 1; j < run.steps.length; j++) {
    if (run.facts[j]!.exited) continue;
    run.facts[j]!.released = `step ${run.steps[i]!.name} wrote neither its post file nor ${ERR_SUFFIX}`;
    later.push(j);
  }
  run.agents.signal('SIGTERM', later);
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function withLogs(observed: ObservedTaskRun, logs: StepLogs[]): ObservedTaskRun {
  return { ...observed, steps: observed.steps.map((s, i) => ({ ...s, ...logs[i] })) };
}
