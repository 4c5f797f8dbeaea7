// The run engine: a pure state machine (Engine) and the driver that connects it to a Runtime.
export { Engine, isTerminal } from './engine.js';
export { runPipeline, type RunOptions } from './driver.js';
export { systemClock, type Clock } from './clock.js';
export { noopReporter, type RunReporter } from './reporter.js';
export { runRecord } from './record.js';
export { pipelineRunName, taskRunName, dnsSafe, fitLabel } from './names.js';
export { matrixCombinations, MATRIX_MAX_COMBINATIONS } from './matrix.js';
export { aggregateStatus, taskStatusForFinally, runStatus } from './statuses.js';
export { SKIP_REASONS } from './types.js';
export type { EngineAction, EngineEvent, EngineInput, EngineState, SkipReason, Unit } from './types.js';
