// The Kubernetes controller behind `kiln controller`: informers on PipelineRuns and Kiln's Pods, a
// keyed work queue, and the reconciler that runs each PipelineRun through the engine over the
// Kubernetes runtime, reports to the collector and archives finished runs.
export { KilnController, type ControllerOptions } from './reconciler.js';
export { specDeps } from './spec-deps.js';
export { DEFAULT_RUN_TIMEOUT_MS, InvalidPipelineRunError, type RunInput, type RunInputDeps } from './run-input.js';
export { controllerMetrics, type ControllerMetrics } from './metrics.js';
export { HookServer, WEBHOOK_SECRETS, type HookServerOptions } from './hook-server.js';
export { hookKube, type HookKube } from './hook-kube.js';
export { LeaderElector, LEASE_DEFAULTS, type LeaderElectionOptions } from './leader-election.js';
export { kubeLeaseStore, type LeaseRecord, type LeaseStore } from './lease-store.js';
export { kubeCommitStatuses, type CommitStatusSource } from './forge-status.js';
export { GROUP_KEYS, nextOfGroup } from './group-queue.js';
export {
  DeliveryLog,
  listDeliveries,
  DELIVERY_PLURAL,
  type DeliveryResource,
  type DeliveryStore,
} from './delivery-log.js';
