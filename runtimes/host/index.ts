// The local runtime: task runs as processes in pod-like directories (see runtime.ts).
export { LocalRuntime, type LocalRuntimeOptions, type OutputLine, type SidecarContext } from './runtime.js';
export type { LogSink, SinkLine, SinkStep } from './in-process-logs.js';
export { locateAgent, packageRoot } from './agent-path.js';
export { LocalRuntimeError } from './errors.js';
export { HOST_IGNORED_STEP_FIELDS } from './commands.js';
export { HostRunner, startHostRunner } from './host-runner.js';
export { workspaceFiles } from './layout.js';
export { volumeHostFiles } from './volumes.js';
export { awaitSidecar, checkProbes, readiness, type ExecProbe, type SidecarsReady } from './probes.js';
export { readyWarnings } from './sidecar-start.js';
