// A task run's Tekton sidecars started on the local runtime (sidecars.ts runs them) ahead of its
// steps: their output reported as steps `sidecar-<name>`, the steps held until each is ready.
import { kilnPaths, SIDECAR_SETTLE, type KilnPaths } from '../../contract/index.js';
import type { ResolvedSidecar } from '../../engine/index.js';
import type { LiveTaskRun, OutputLine } from './live-run.js';
import type { SidecarsReady } from './probes.js';
import { HostSidecars, sidecarLaunches } from './sidecars.js';

/** Starts the task's sidecars and waits until each is ready (or one ended, or the run was cancelled). */
export async function startSidecars(
  run: LiveTaskRun,
  sidecars: ResolvedSidecar[],
  at: {
    paths: KilnPaths;
    root: string;
    hostDirs: Record<string, string>;
    isolate: boolean;
    /** The run's process environment and the step variables (the runtime's processEnv, then the resolved env). */
    env: Record<string, string | undefined>;
  },
  o: {
    agent: string[];
    killGraceMs: number;
    sandbox(dirs: Record<string, string>, cwd: string, tmp: string): string[];
    /** Outside the sandbox: the prefix binding the read-only workspaces' views (none without). */
    views: string[];
    onOutput?: (line: OutputLine) => void;
    onWarning?: (message: string) => void;
  },
): Promise<void> {
  const n = run.steps.length;
  const launches = sidecarLaunches({
    steps: run.steps,
    sidecars,
    workspaces: run.plan.workspaces,
    agent: o.agent,
    ...at,
    sandbox: o.sandbox,
    views: o.views,
  });
  run.sidecars = new HostSidecars({
    sidecars,
    firstIndex: n,
    paths: kilnPaths(at.root),
    launches,
    killGraceMs: o.killGraceMs,
    line: (j, stream, line) => {
      run.sidecar?.line?.(n + j, stream, line);
      o.onOutput?.({
        pipelineRun: run.plan.pipelineRun,
        taskRun: run.plan.name,
        task: run.plan.task,
        step: `sidecar-${sidecars[j]!.name}`,
        stream,
        line,
      });
    },
  });
  run.sidecars.start();
  const ready = await run.sidecars.ready(() => run.cancel !== undefined);
  readyWarnings(run.plan.name, ready, run.cancel).forEach((w) => o.onWarning?.(w));
}

/** Why the steps start without a sidecar being ready (or settled), or never start. */
export function readyWarnings(taskRun: string, ready: SidecarsReady, cancel: string | undefined): string[] {
  const names = (sidecars: string[]) => sidecars.map((n) => `"${n}"`).join(', ');
  const out: string[] = [];
  if (ready.unready.length)
    out.push(
      cancel
        ? `${taskRun}: ${cancel} while sidecar ${names(ready.unready)} was not yet ready; the steps never started`
        : `${taskRun}: sidecar ${names(ready.unready)} ended before it was ready; the steps run (as in Tekton), and the task run fails if it ended with a non-zero code`,
    );
  if (ready.unsettled.length && !cancel)
    out.push(
      `${taskRun}: sidecar ${names(ready.unsettled)} has no probe and was still busy after ${SIDECAR_SETTLE.boundMs / 1000} s; the steps start anyway (give it a readinessProbe to say when it is ready)`,
    );
  return out;
}
