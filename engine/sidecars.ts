// A Tekton sidecar's readiness probe is kept as written (a Kubernetes Probe); its strings (an exec
// command naming a workspace path or a param) are substituted like the sidecar's own.
import { mapStrings } from './step-text.js';

/** The probe with `map` applied to every string in it. */
export function mapProbe(
  probe: Record<string, unknown> | undefined,
  map: (text: string) => string,
): Record<string, unknown> | undefined {
  return probe && mapStrings(probe, map);
}
