// Names Kiln writes on Kubernetes objects: the API group, labels, annotations and the finalizer.
// One place, so the pod builder, the reconciler, the CLI and deploy/ agree.

export const KILN_GROUP = 'kiln.dev';
export const KILN_VERSION = 'v1alpha1';
export const KILN_API_VERSION = `${KILN_GROUP}/${KILN_VERSION}`;
export const PIPELINERUN_PLURAL = 'pipelineruns';
/** spec.status of a PipelineRun that must not start yet (Tekton's value): a queued run of a concurrency group. */
export const PIPELINERUN_PENDING = 'PipelineRunPending';
export const PIPELINE_PLURAL = 'pipelines';

export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  pipelineRun: 'kiln.dev/pipelinerun',
  pipeline: 'kiln.dev/pipeline',
  task: 'kiln.dev/task',
  taskRun: 'kiln.dev/taskrun',
  attempt: 'kiln.dev/attempt',
  /** On a child PipelineRun (a pipeline task's run): its parent PipelineRun's name. */
  parentRun: 'kiln.dev/parent-pipelinerun',
} as const;

export const ANNOTATIONS = {
  /** The controller's go-ahead, projected to /kiln/downward/ready. Empty until the controller sets it. */
  ready: 'kiln.dev/ready',
  /** Step i's script, projected to /kiln/scripts/<i>. */
  script: (i: number) => `kiln.dev/script-${i}`,
  /** On a child PipelineRun: the parent's task it runs for. */
  parentTask: 'kiln.dev/parent-task',
  /** How deep a PipelineRun is in a tree of pipelines calling pipelines (absent: 0, a run a user made). */
  pipelineDepth: 'kiln.dev/pipeline-depth',
  /** The deepest its tree may go (absent: 10); set on a run a user makes, copied to its children. */
  maxPipelineDepth: 'kiln.dev/max-pipeline-depth',
} as const;

export const READY_VALUE = 'READY';
export const MANAGED_BY = 'kiln';
/** Held on every PipelineRun until its record is archived at the collector. */
export const FINALIZER = 'kiln.dev/archive';
