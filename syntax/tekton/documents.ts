// Tekton documents (tekton.dev/v1, v1beta1, v1alpha1) from one or several files: indexed by kind
// and name, then the one thing to run is picked: a PipelineRun or TaskRun, else a Pipeline, else
// a lone Task.
import type { TaskTemplate } from '../common.js';
import { suggest } from '../did-you-mean.js';
import type { Sites } from '../sites.js';
import type { Source } from '../yaml-source.js';
import * as F from './fields.js';
import { readPipelineSpec, type TektonContext } from './pipeline.js';
import { PipelineRegistry } from '../child-pipelines.js';
import { readPipelineRun, readTaskRun, type ReadRun, type TektonDoc } from './runs.js';
import { readTaskTemplate } from './task.js';
import { RemoteRefs } from './remote-ref.js';
import { KUBERNETES_KINDS, noKubernetesObjects, readKubernetesDocument, type KubernetesObjects } from './kubernetes.js';

const API_VERSIONS = ['tekton.dev/v1', 'tekton.dev/v1beta1', 'tekton.dev/v1alpha1'];
const KINDS = ['Task', 'ClusterTask', 'Pipeline', 'PipelineRun', 'TaskRun', 'StepAction', 'PipelineResource'];

/** True when a document is Tekton's (it has an apiVersion), not Kiln syntax. */
export function isTektonDocument(src: Source): boolean {
  const root = src.root().node as { items?: { key?: { value?: unknown } }[] } | null;
  return Array.isArray(root?.items) && root.items.some((pair) => pair.key?.value === 'apiVersion');
}

/** The kind of a document that is not Tekton's, when it is one Kiln accepts beside Tekton's. */
function kubernetesKind(src: Source): string | undefined {
  const entries = src.entries(src.root(), 'document') ?? [];
  const text = (key: string) => {
    const node = entries.find((e) => e.key === key)?.value.node as { value?: unknown } | undefined;
    return typeof node?.value === 'string' ? node.value : undefined;
  };
  const kind = text('kind');
  return text('apiVersion')?.startsWith('tekton.dev/') || !kind || !KUBERNETES_KINDS.includes(kind) ? undefined : kind;
}

function readKubernetes(src: Source, kind: string, objects: KubernetesObjects): void {
  src.matchKeysAnyCase();
  const root = src.root();
  const data = kind === 'ConfigMap' || kind === 'Secret';
  const f = data
    ? src.fields(root, kind, F.DATA_DOCUMENT_KEYS)
    : new Map((src.entries(root, kind) ?? []).map((e) => [e.key, e.value] as const));
  const meta = f?.get('metadata') && src.entries(f.get('metadata')!, 'metadata');
  const name = meta && src.string(meta.find((e) => e.key === 'name')?.value, 'metadata.name');
  if (!f || name === undefined) {
    if (f && data) src.error(root.pos, `the ${kind} has no metadata.name`, 'add metadata: { name: NAME }');
    return;
  }
  readKubernetesDocument(src, kind, name, f, objects);
}

function readDocument(src: Source): TektonDoc | undefined {
  src.matchKeysAnyCase();
  const root = src.root();
  const f = src.fields(root, 'document', F.DOCUMENT_KEYS);
  if (!f) return undefined;
  const apiVersion = src.string(f.get('apiVersion'), 'apiVersion');
  if (apiVersion !== undefined && !API_VERSIONS.includes(apiVersion)) {
    src.error(
      f.get('apiVersion')!.pos,
      `apiVersion "${apiVersion}" is not one Kiln reads`,
      `use one of ${API_VERSIONS.join(', ')}`,
    );
    return undefined;
  }
  const kind = src.choice(f.get('kind'), 'kind', KINDS);
  if (kind === undefined) {
    if (!f.has('kind')) src.error(root.pos, 'the document has no kind', `add kind: one of ${KINDS.join(', ')}`);
    return undefined;
  }
  const meta = f.get('metadata') && src.entries(f.get('metadata')!, 'metadata');
  const nameEntry = meta?.find((e) => e.key === 'name');
  const name = nameEntry && src.string(nameEntry.value, 'metadata.name');
  const generated = meta?.find((e) => e.key === 'generateName');
  const stem = generated && src.string(generated.value, 'metadata.generateName')?.replace(/-$/, '');
  const spec = f.get('spec');
  if (kind !== 'PipelineResource' && !spec?.node) {
    src.error(root.pos, `${kind} ${name ?? ''} has no spec`.replace('  ', ' '), 'add spec:');
    return undefined;
  }
  if (name === undefined && !['PipelineRun', 'TaskRun', 'PipelineResource'].includes(kind)) {
    src.error(
      root.pos,
      `the ${kind} has no metadata.name`,
      'add metadata: { name: NAME }; tasks and pipelines are referred to by name',
    );
  }
  return {
    src,
    kind,
    ...(name !== undefined ? { name } : {}),
    ...(stem ? { stem } : {}),
    spec: spec ?? root,
    pos: root.pos,
  };
}

function index(docs: TektonDoc[], kinds: string[]): Map<string, TektonDoc> {
  const out = new Map<string, TektonDoc>();
  for (const d of docs.filter((x) => kinds.includes(x.kind) && x.name !== undefined)) {
    if (out.has(d.name!))
      d.src.error(
        d.pos,
        `${d.kind} "${d.name}" is defined twice`,
        `the other one is at ${out.get(d.name!)!.pos.file}:${out.get(d.name!)!.pos.line}`,
      );
    else out.set(d.name!, d);
  }
  return out;
}

const RUN_KINDS = ['PipelineRun', 'TaskRun'];

/**
 * How many runs (PipelineRuns and TaskRuns) the documents hold, read quietly from each document's
 * kind: a file of several runs is read once per run (`readTektonDocuments(…, which)`).
 */
export function tektonRunCount(sources: Source[]): number {
  return sources.filter((s) => {
    const root = s.root().node as { get?: (key: string) => unknown } | null;
    const kind = typeof root?.get === 'function' ? root.get('kind') : undefined;
    return typeof kind === 'string' && RUN_KINDS.includes(kind);
  }).length;
}

/** The one thing to run among the documents, or with `which` the which-th run (0-based) of several. */
export function readTektonDocuments(sources: Source[], sites: Sites, which?: number): ReadRun {
  const kubernetes = noKubernetesObjects();
  const docs = sources.flatMap((s) => {
    const kind = kubernetesKind(s);
    if (kind) readKubernetes(s, kind, kubernetes);
    return kind ? [] : (readDocument(s) ?? []);
  });
  const pipelines = index(docs, ['Pipeline']);
  const ctx: TektonContext & { pipelines: Map<string, TektonDoc> } = {
    sites,
    kubernetes,
    tasks: index(docs, ['Task', 'ClusterTask']),
    stepActions: index(docs, ['StepAction']),
    pipelines,
    registry: new PipelineRegistry(),
    remote: new RemoteRefs(readDocument),
  };
  const allRuns = docs.filter((d) => RUN_KINDS.includes(d.kind));
  const runs = which === undefined ? allRuns : allRuns.slice(which, which + 1);
  const roots =
    runs.length > 0
      ? runs
      : pipelines.size > 0
        ? uncalled(pipelines)
        : docs.filter((d) => d.kind === 'Task' || d.kind === 'ClusterTask');
  if (roots.length === 0) {
    if (docs.length > 0)
      docs[0]!.src.error(
        docs[0]!.pos,
        'nothing to run: no PipelineRun, TaskRun, Pipeline or Task',
        'add a Pipeline or a PipelineRun',
      );
    return {};
  }
  if (roots.length > 1) {
    const names = roots.map((r) => `${r.kind} ${r.name ?? '(generateName)'}`).join(', ');
    roots[1]!.src.error(
      roots[1]!.pos,
      `more than one thing to run: ${names}`,
      runs.length
        ? 'kiln run, validate and export take a file of several runs; this command takes one at a time'
        : 'add a PipelineRun naming the Pipeline to run, or pass the files separately',
    );
    return {};
  }
  const root = roots[0]!;
  ctx.key = root.kind === 'Pipeline' ? `Pipeline ${root.name}` : `${root.kind} ${root.name ?? ''}`;
  const read = readRoot(root, ctx);
  if (read.pipeline && kubernetes.documents.length) read.pipeline.documents = kubernetes.documents;
  if (read.pipeline) ctx.registry!.finish(read.pipeline, ctx.key, root.src.diags);
  return read;
}

function readRoot(root: TektonDoc, ctx: TektonContext & { pipelines: Map<string, TektonDoc> }): ReadRun {
  switch (root.kind) {
    case 'PipelineRun':
      return readPipelineRun(root, ctx);
    case 'TaskRun':
      return readTaskRun(root, ctx, false);
    case 'Pipeline': {
      const pipeline = ctx.registry!.load(ctx.key!, () =>
        readPipelineSpec(root.src, root.spec, `Pipeline ${root.name}`, root.name ?? 'pipeline', ctx),
      );
      return pipeline ? { pipeline } : {};
    }
    default:
      return readTaskRun(root, ctx, true);
  }
}

/** A Tekton Task file named by `uses:` in a Kiln pipeline. */
export function readTektonTaskFile(src: Source, sites: Sites, task: string): TaskTemplate | undefined {
  const doc = readDocument(src);
  if (!doc) return undefined;
  if (doc.kind !== 'Task' && doc.kind !== 'ClusterTask') {
    src.error(doc.pos, `uses: needs a Task, this file holds a ${doc.kind}`, suggest(doc.kind, ['Task']));
    return undefined;
  }
  return readTaskTemplate(
    src,
    doc.spec,
    `Task ${doc.name}`,
    doc.name ?? task,
    { sites, stepActions: new Map(), kubernetes: noKubernetesObjects() },
    { params: new Map(), task },
  );
}

/** The Pipelines no other loaded Pipeline calls (pipelineRef): the ones a user may mean to run. */
function uncalled(pipelines: Map<string, TektonDoc>): TektonDoc[] {
  const called = new Set<string>();
  for (const d of pipelines.values()) {
    const spec = (d.spec.node as { toJSON?: () => unknown } | null)?.toJSON?.() as
      { tasks?: unknown[]; finally?: unknown[] } | undefined;
    const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
    for (const t of [...list(spec?.tasks), ...list(spec?.finally)]) {
      const name = (t as { pipelineRef?: { name?: unknown } } | null)?.pipelineRef?.name;
      if (typeof name === 'string' && name !== d.name) called.add(name);
    }
  }
  const roots = [...pipelines.values()].filter((d) => !called.has(d.name!));
  return roots.length ? roots : [...pipelines.values()];
}
