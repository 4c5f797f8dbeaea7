// Pipelines in pipelines on Kubernetes, the reading side: a pipeline task's `pipeline: NAME` (or
// `pipelineRef: {name: NAME}`) names a Pipeline resource in the run's namespace (there are no files
// beside a PipelineRun); a `pipelineSpec:` is embedded in the task and travels with it. The parser
// reads synchronously, so every Pipeline a run may call, directly or through others, is fetched
// first, each once (a pipeline that calls itself is fetched once); the parser then reads them as
// `pipelines/NAME` and keys its registry by that path, which also names the resource a child
// PipelineRun refers to.

/** The Pipeline resources a run may call, by name, and the namespace they were read from. */
export interface CalledPipelines {
  namespace: string;
  specs: ReadonlyMap<string, Record<string, unknown>>;
}

const PREFIX = 'pipelines/';
/** A Kubernetes object name (DNS-1123 subdomain): anything else cannot name a Pipeline. */
const RESOURCE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The path the parser reads the Pipeline `name` from, and the registry key of its spec. */
export const calledPath = (name: string) => `${PREFIX}${name}`;

/** The Pipeline resource a registry key (a pipeline task's `pipeline.ref`) stands for. */
export function pipelineOfKey(key: string): string | undefined {
  const name = key.startsWith(PREFIX) ? key.slice(PREFIX.length) : undefined;
  // A pipeline embedded in a Pipeline's task is keyed by its place in it (`pipelines/NAME#LINE:COL`): no resource.
  return name !== undefined && RESOURCE_NAME.test(name) ? name : undefined;
}

/** Fetches every Pipeline the spec `doc` may call, breadth first; absent names are left to the parser. */
export async function fetchCalledPipelines(
  doc: Record<string, unknown>,
  namespace: string,
  byName: (name: string) => Promise<Record<string, unknown> | undefined>,
): Promise<CalledPipelines> {
  const specs = new Map<string, Record<string, unknown>>();
  const seen = new Set<string>();
  const queue = callsOf(doc);
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name) || !RESOURCE_NAME.test(name)) continue;
    seen.add(name);
    const spec = await byName(name);
    if (!spec) continue;
    specs.set(name, spec);
    queue.push(...callsOf(spec));
  }
  return { namespace, specs };
}

type PipelineTaskDoc = { pipeline?: unknown; pipelineRef?: { name?: unknown }; pipelineSpec?: unknown } | null;

/** A pipeline document's tasks and finally tasks, by name, as written. */
function tasksOf(doc: Record<string, unknown>): [string, PipelineTaskDoc][] {
  return [doc.tasks, doc.finally].flatMap((section) =>
    section && typeof section === 'object' && !Array.isArray(section)
      ? (Object.entries(section) as [string, PipelineTaskDoc][])
      : [],
  );
}

const isDoc = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

/** The names a Kiln pipeline's tasks call with `pipeline:` or `pipelineRef:`, its embedded pipelineSpecs' included. */
function callsOf(doc: Record<string, unknown>): string[] {
  return tasksOf(doc).flatMap(([, task]) => {
    const ref = task?.pipeline ?? task?.pipelineRef?.name;
    if (typeof ref === 'string') return [ref];
    return isDoc(task?.pipelineSpec) ? callsOf(task.pipelineSpec) : [];
  });
}

/** The pipelines a document's tasks embed (`pipelineSpec:`), by task name, as written: a child PipelineRun embeds it in turn. */
export function embeddedSpecs(doc: Record<string, unknown>): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    tasksOf(doc).flatMap(([name, task]) => (isDoc(task?.pipelineSpec) ? [[name, task.pipelineSpec]] : [])),
  );
}

/** Where the parser finds `pipeline: ref`: a fetched Pipeline, or why there is none. */
export function resolveCalled(called: CalledPipelines) {
  return (ref: string): { path: string } | { error: string; hint: string } => {
    if (called.specs.has(ref)) return { path: calledPath(ref) };
    if (/^(\.{1,2}\/|\/)|\.ya?ml$/.test(ref))
      return {
        error: `pipeline: "${ref}" is a file; on Kubernetes a pipeline task names a Pipeline resource`,
        hint: `apply the file as a Pipeline in namespace ${called.namespace} and give its name (pipeline: NAME)`,
      };
    return {
      error: `pipeline: there is no Pipeline "${ref}" in namespace ${called.namespace}`,
      hint: 'create it (kubectl apply -f …) or correct the name',
    };
  };
}

/** The text of a fetched Pipeline at its path (the `name` defaults to the resource's), else undefined. */
export function calledText(
  called: CalledPipelines,
  path: string,
  stringify: (doc: unknown) => string,
): string | undefined {
  const name = pipelineOfKey(path);
  const spec = name === undefined ? undefined : called.specs.get(name);
  return spec && stringify({ name, ...spec });
}
