// A task run's Tekton sidecars started on the local runtime (sidecars.ts runs them) ahead of its
// steps: their output reported as steps `sidecar-<name>`, the steps held until each is ready.
import { kilnPaths, type KilnPaths } from '../../contract/index.js';
import type { ResolvedSidecar } from '../../engine/index.js';
import type { LiveTaskRun, OutputLine } from './live-run.js';
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
    sandbox(dirs: Record<string, string>, cwd: string): string[];
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
  });
  run.sidecars = new HostSidecars({
    sidecars,
    firstIndex: n,
    paths: kilnPaths(at.root),
    launches,
    killGraceMs: o.killGraceMs,
    line: (j, stream, line) =>
      o.onOutput?.({
        pipelineRun: run.plan.pipelineRun,
        taskRun: run.plan.name,
        task: run.plan.task,
        step: `sidecar-${sidecars[j]!.name}`,
        stream,
        line,
      }),
  });
  run.sidecars.start();
  const unready = await run.sidecars.ready(() => run.cancel !== undefined);
  if (unready.length) o.onWarning?.(notReady(run.plan.name, unready, run.cancel));
}

/** Why the steps start without a sidecar being ready, or never start. */
export function notReady(taskRun: string, sidecars: string[], cancel: string | undefined): string {
  const names = sidecars.map((n) => `"${n}"`).join(', ');
  return cancel
    ? `${taskRun}: ${cancel} while sidecar ${names} was not yet ready; the steps never started`
    : `${taskRun}: sidecar ${names} ended before it was ready; the steps run (as in Tekton), and the task run fails if it ended with a non-zero code`;
}
