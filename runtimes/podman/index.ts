// The podman engine of `kiln run --engine podman`: each task run the Pod the Kubernetes pod builder
// makes, played by podman on this machine.
export { PodmanRuntime, type PodmanRuntimeOptions } from './runtime.js';
export { Podman, podmanFromEnv, type PodmanCommand } from './podman.js';
export { ensureAgentImage } from './agent-image.js';
export { playablePod, writePlayablePod, podDirs, type PlayablePod } from './manifest.js';
export { PodmanError } from './errors.js';
