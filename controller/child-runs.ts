// Pipelines in pipelines on Kubernetes, the running side: a pipeline task's run is a child
// PipelineRun (naming the Pipeline the task names, or embedding the one it embeds) named as the task run, owned by its parent (deleting the parent deletes it),
// labelled with the parent's name and annotated with its depth, so the depth limit holds across
// PipelineRuns. Its own reconcile runs it like any other run. The parent's driver waits on the
// child's status as the PipelineRun informer delivers it, nests its record under the task run and
// reads its pipeline results as the task's results; a cancelled task cancels the child.
import type { RunRecord } from '../contract/index.js';
import type { ChildRun, RunOptions } from '../engine/index.js';
import type { TaskSpec, WorkspaceBinding } from '../syntax/index.js';
import {
  ANNOTATIONS,
  buildClaims,
  KILN_API_VERSION,
  KubeApiError,
  type KubeClient,
  LABELS,
  type PipelineRunResource,
  type WorkspaceBindingSpec,
  workspaceClaimName,
} from '../runtimes/kubernetes/index.js';
import { keyOf } from './run-key.js';
import { pipelineOfKey } from './called-pipelines.js';
import type { RunInput } from './run-input.js';
import { finishedStatus, pipelineNameOf, recordFromStatus } from './run-status.js';

export interface ChildRunsDeps {
  client: KubeClient;
  /** The informer's copy of a PipelineRun (a restarted controller finds the children it made). */
  current(namespace: string, name: string): PipelineRunResource | undefined;
  now(): number;
  log(line: string): void;
}

type RunChild = NonNullable<RunOptions['runChild']>;

interface Waiter {
  onChange(record: RunRecord): void;
  done(record: RunRecord): void;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

export class ChildRuns {
  /** Parents' drivers waiting on a child, by the child's namespace/name. */
  private readonly waiting = new Map<string, Waiter>();

  constructor(private readonly deps: ChildRunsDeps) {}

  /** A PipelineRun was added or changed: the parent waiting on it, if any, learns. */
  changed(run: PipelineRunResource): void {
    const key = keyOf(run.metadata.namespace!, run.metadata.name!);
    const waiter = this.waiting.get(key);
    if (!waiter) return;
    const record = childRecord(run);
    if (!record) return;
    if (!finishedStatus(run)) return waiter.onChange(record);
    this.waiting.delete(key);
    waiter.done(record);
  }

  /** A PipelineRun is gone: a parent still waiting on it fails its task. */
  removed(run: PipelineRunResource): void {
    const key = keyOf(run.metadata.namespace!, run.metadata.name!);
    const waiter = this.waiting.get(key);
    if (!waiter) return;
    this.waiting.delete(key);
    waiter.done(
      (run.status && recordFromStatus(run, childRunId(run))) ??
        this.failed(
          { id: run.metadata.name!, name: pipelineNameOf(run) },
          'ChildPipelineRunDeleted',
          'the PipelineRun was deleted before it ended',
        ),
    );
  }

  /** The driver's `runChild` for the PipelineRun `parent`, whose request was read as `input`. */
  runnerFor(parent: PipelineRunResource, input: RunInput): RunChild {
    return (child, ctl) =>
      new Promise<RunRecord>((resolve) => {
        const ns = parent.metadata.namespace!;
        const key = keyOf(ns, child.runName);
        const which = { id: child.runName, name: child.pipeline.name };
        if (ctl.signal.aborted)
          return resolve({ ...this.failed(which, 'Cancelled', 'cancelled before it started'), status: 'Cancelled' });
        const task = [...input.pipeline.tasks, ...input.pipeline.finally].find((t) => t.name === ctl.task);
        this.waiting.set(key, { onChange: ctl.onChange, done: resolve });
        const fail = (reason: string, message: string) => {
          this.waiting.delete(key);
          resolve(this.failed(which, reason, message));
        };
        void this.create(parent, input, child, task)
          .then(() => {
            ctl.signal.addEventListener('abort', () => void this.cancel(ns, child.runName), { once: true });
            if (ctl.signal.aborted) void this.cancel(ns, child.runName);
            // Already there (a restarted controller adopting its child): its status may be final.
            const known = this.deps.current(ns, child.runName);
            if (known) this.changed(known);
          })
          .catch((err: unknown) =>
            fail('ChildPipelineRunNotCreated', err instanceof Error ? err.message : String(err)),
          );
      });
  }

  private async create(
    parent: PipelineRunResource,
    input: RunInput,
    child: ChildRun,
    task: TaskSpec | undefined,
  ): Promise<void> {
    const ns = parent.metadata.namespace!;
    const owner = { name: parent.metadata.name!, uid: parent.metadata.uid! };
    const called = task?.pipeline && this.calledSpec(input, task);
    if (!task?.pipeline || !called)
      throw new Error(`task "${task?.name ?? child.runName}" names no Pipeline resource and embeds no pipeline to run`);
    const workspaces: Record<string, WorkspaceBindingSpec> = {};
    for (const [childWs, parentWs] of Object.entries(task.pipeline.workspaces)) {
      const binding = input.workspaces[parentWs];
      if (!binding) continue;
      if (binding.kind === 'volumeClaimTemplate') await this.ensureClaim(ns, owner, parentWs, binding);
      workspaces[childWs] = bindingSpec(owner.name, parentWs, binding);
    }
    const resource: PipelineRunResource = {
      apiVersion: KILN_API_VERSION,
      kind: 'PipelineRun',
      metadata: {
        name: child.runName,
        namespace: ns,
        ownerReferences: [
          { apiVersion: KILN_API_VERSION, kind: 'PipelineRun', ...owner, controller: true, blockOwnerDeletion: true },
        ],
        labels: LABEL_VALUE.test(owner.name) ? { [LABELS.parentRun]: owner.name } : {},
        annotations: {
          [ANNOTATIONS.parentTask]: task.name,
          [ANNOTATIONS.pipelineDepth]: String(child.depth ?? 1),
          ...(child.maxDepth !== undefined && { [ANNOTATIONS.maxPipelineDepth]: String(child.maxDepth) }),
        },
      },
      spec: {
        ...called,
        params: child.params,
        workspaces,
        ...(parent.spec.serviceAccountName && { serviceAccountName: parent.spec.serviceAccountName }),
      },
    };
    try {
      await this.deps.client.createPipelineRun(ns, resource);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
      const existing = this.deps.current(ns, child.runName);
      if (existing && !existing.metadata.ownerReferences?.some((r) => r.uid === owner.uid))
        throw new Error(`a PipelineRun "${child.runName}" that this run did not make is in the way`, { cause: err });
    }
  }

  /** What the child runs: the Pipeline resource the task names, or the pipeline it embeds (named as the parent's parser named it). */
  private calledSpec(
    input: RunInput,
    task: TaskSpec,
  ): Pick<PipelineRunResource['spec'], 'pipelineRef' | 'pipelineSpec'> | undefined {
    const ref = task.pipeline!.ref;
    const name = pipelineOfKey(ref);
    if (name) return { pipelineRef: { name } };
    const embedded = input.embedded?.[task.name];
    const callee = input.pipeline.pipelines?.[ref];
    return embedded && callee && { pipelineSpec: { name: callee.name, ...embedded } };
  }

  /** The parent's PVC from its volumeClaimTemplate, made now if no task of the parent has yet. */
  private async ensureClaim(
    namespace: string,
    owner: { name: string; uid: string },
    workspace: string,
    binding: WorkspaceBinding,
  ): Promise<void> {
    const plan = {
      pipelineRun: owner.name,
      workspaces: [{ name: workspace, workspace }],
      workspaceBindings: { [workspace]: binding },
    };
    for (const claim of buildClaims(plan, { namespace, owner })) await this.deps.client.createClaim(claim);
  }

  private async cancel(namespace: string, name: string): Promise<void> {
    try {
      await this.deps.client.cancelPipelineRun(namespace, name);
    } catch (err) {
      this.deps.log(`${name}: cancel: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The record of a child that never ran (or vanished): the task fails with `reason: message`. */
  private failed(run: { id: string; name: string }, reason: string, message: string): RunRecord {
    const now = new Date(this.deps.now()).toISOString();
    return {
      ...run,
      status: 'Failed',
      reason: `${reason}: ${message}`,
      startedAt: now,
      finishedAt: now,
      params: {},
      tasks: [],
      engine: 'kubernetes',
    };
  }
}

/** A child's record from its status: final once it ended, else running; none before it started. */
function childRecord(run: PipelineRunResource): RunRecord | undefined {
  const final = recordFromStatus(run, childRunId(run));
  if (final) {
    // A refused child says why in its condition's message: the parent's task shows it.
    const c = run.status?.conditions?.[0];
    return c?.reason === 'InvalidPipelineRun' ? { ...final, reason: `${c.reason}: ${c.message}` } : final;
  }
  const s = run.status;
  if (!s?.startTime) return undefined;
  return {
    id: run.metadata.name!,
    name: s.pipeline ?? pipelineNameOf(run),
    status: 'Running',
    startedAt: s.startTime,
    params: run.spec.params ?? {},
    tasks: s.taskRuns ?? [],
    engine: 'kubernetes',
  };
}

/** How the child binds a workspace of its parent's: the same claim (the parent's own from a template), or an emptyDir. */
function bindingSpec(parentRun: string, workspace: string, b: WorkspaceBinding): WorkspaceBindingSpec {
  const subPath = b.subPath === undefined ? {} : { subPath: b.subPath };
  if (b.kind === 'pvc') return { persistentVolumeClaim: { claimName: b.claimName }, ...subPath };
  if (b.kind === 'volumeClaimTemplate')
    return { persistentVolumeClaim: { claimName: workspaceClaimName(parentRun, workspace) }, ...subPath };
  return { emptyDir: {}, ...subPath };
}

/** The child's id at the collector (status.runId, bound to its namespace and UID), or its name before it has one. */
const childRunId = (run: PipelineRunResource) => run.status?.runId ?? run.metadata.name!;
