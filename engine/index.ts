// The run engine: a pure state machine (Engine), the driver that connects it to a Runtime, and the
// Runtime interface every engine (runtimes/host, runtimes/kubernetes, runtimes/fake) implements.
export { Engine, isTerminal } from './engine.js';
export { runPipeline, type RunOptions } from './driver.js';
export { approvalUpdate, type ApprovalSource, type ApprovalVerdict } from './approvals.js';
export { systemClock, type Clock } from './clock.js';
export { noopReporter } from './reporter.js';
export { runRecord } from './record.js';
export { pipelineRunName, taskRunName, dnsSafe, fitLabel, volumeForWorkspace } from './names.js';
export { matrixCombinations } from './matrix.js';
export { aggregateStatus, failedStepMessage, taskStatusForFinally, runStatus } from './statuses.js';
export { SKIP_REASONS } from './types.js';
export type { ChildRun, EngineAction, EngineEvent, EngineInput, EngineState, SkipReason, Unit } from './types.js';
export { planForTask } from './preview.js';
export type {
  CancelReason,
  ObservedStep,
  ObservedTaskRun,
  ResolvedSidecar,
  ResolvedStep,
  Runtime,
  TaskRunPlan,
} from './runtime.js';
export { stepResultsFlags, withStepResultFiles } from './step-results.js';
export { mapStepText } from './step-text.js';
export { stepWorkspaces, usedWorkspaces, type SeenWorkspace } from './step-workspaces.js';
export { hasProbes, mapProbe, mapProbes, withSidecarFailure, type SidecarEnd } from './sidecars.js';
