// The Kubernetes runtime: a task run is one Pod. The pod builder (pure), what a Pod's status tells
// (pure), the PodRuntime the controller drives, and the narrow API client with its rate limiter.
// The controller (controller/) and the CLI's Kubernetes commands use it through this face.
export { buildPod, podLabels, TOOLS_MOUNT, type PodBuildOptions } from './pod-builder.js';
export { volumeForWorkspace, volumeForTaskVolume } from './pod-volumes.js';
export { buildClaims, buildTokenSecret } from './run-objects.js';
export { POD_SECURITY_HELP, POD_SECURITY_MODES, podSecurityFlag, type PodSecurity } from './pod-security.js';
export { observePod, observeVanishedPod, POD_REASONS, taskRunOfPod } from './pod-status.js';
export { PodRuntime, type PodRuntimeDeps } from './pod-runtime.js';
export { createKubeClient, type KubeClient, type ListResult, type WatchEvent, type WatchFn } from './client.js';
export { nativeSidecarsSupported, type ServerVersion } from './server-version.js';
export { tokenBucket, unlimited, type RateLimiter, type TokenBucketOptions } from './rate-limit.js';
export { KubeApiError, PodBuildError } from './errors.js';
export { InvalidQuantityError } from './quantity.js';
export * from './labels.js';
export { collectorRunId, podName, workspaceClaimName } from './names.js';
export type * from './resources.js';
