// A Tekton sidecar's readiness probe is kept as written (a Kubernetes Probe); its strings (an exec
// command naming a workspace path or a param) are substituted like the sidecar's own.

/** The probe with `map` applied to every string in it. */
export function mapProbe(
  probe: Record<string, unknown> | undefined,
  map: (text: string) => string,
): Record<string, unknown> | undefined {
  const walk = (v: unknown): unknown =>
    typeof v === 'string'
      ? map(v)
      : Array.isArray(v)
        ? v.map(walk)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v;
  return probe && (walk(probe) as Record<string, unknown>);
}
