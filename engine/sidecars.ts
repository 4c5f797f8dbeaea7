// A Tekton sidecar's probes are kept as written (Kubernetes Probes); their strings (an exec command
// naming a workspace path or a param) are substituted like the sidecar's own. And what a sidecar's
// own end means for its task run, on every engine that runs sidecars itself.
import type { ObservedTaskRun } from './runtime.js';
import { mapStrings } from './step-text.js';

/** The probe with `map` applied to every string in it. */
export function mapProbe(
  probe: Record<string, unknown> | undefined,
  map: (text: string) => string,
): Record<string, unknown> | undefined {
  return probe && mapStrings(probe, map);
}

/** Whether a sidecar has a probe; one without is ready once it has settled (the agent's -settled_file). */
export const hasProbes = (s: { readinessProbe?: unknown; startupProbe?: unknown }): boolean =>
  s.startupProbe !== undefined || s.readinessProbe !== undefined;

/** A sidecar's probes, each with `map` applied: the fields to spread into it (none when it has none). */
export function mapProbes(
  s: { readinessProbe?: Record<string, unknown>; startupProbe?: Record<string, unknown> },
  map: (text: string) => string,
): { readinessProbe?: Record<string, unknown>; startupProbe?: Record<string, unknown> } {
  return {
    ...(s.readinessProbe && { readinessProbe: mapProbe(s.readinessProbe, map) }),
    ...(s.startupProbe && { startupProbe: mapProbe(s.startupProbe, map) }),
  };
}

/** How a sidecar ended before the runtime stopped it (after the steps): `code` null when by a signal. */
export interface SidecarEnd {
  name: string;
  code: number | null;
  signal?: string | null;
  /** Why the runtime ended it itself (its startupProbe gave it up). */
  why?: string;
}

/**
 * The task run as Tekton ends it when a sidecar failed on its own: a sidecar that ended (before the
 * steps had) with a non-zero exit code, or killed, leaves the Pod Failed, and the TaskRun Failed
 * with `"sidecar-NAME" exited with code N` — after the steps ran, since Tekton counts an ended
 * sidecar as ready (pkg/pod/status.go SidecarsReady). A step's own failure is said first, as there.
 * One that ended with 0 fails nothing (Tekton's e2e "a sidecar that terminates early").
 */
export function withSidecarFailure(observed: ObservedTaskRun, ends: SidecarEnd[]): ObservedTaskRun {
  const failed = ends.find((e) => e.code !== 0);
  if (!failed || observed.status !== 'Succeeded') return observed;
  const how = failed.code === null ? `was killed by ${failed.signal ?? 'a signal'}` : `exited with code ${failed.code}`;
  const message = `sidecar "${failed.name}" ${how} before the steps ended${failed.why ? `: ${failed.why}` : ''}`;
  return { ...observed, status: 'Failed', reason: 'SidecarFailed', message };
}
