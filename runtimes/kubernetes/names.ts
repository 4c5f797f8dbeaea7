// Deterministic, DNS-1123-safe names for what the controller creates. The same plan always gives
// the same name, so a re-sent create meets 409 AlreadyExists and is a no-op.
import { dnsSafe, fitLabel } from '../../engine/index.js';

/** A DNS-1123 label (≤63) for any text: the engine's own rule for task run names. */
export const boundedName = (text: string) => fitLabel(dnsSafe(text));

/** The Pod of a task run: the task run's name (already a DNS-1123 label). */
export const podName = (taskRunName: string) => boundedName(taskRunName);

/** The Secret holding a pipeline run's collector token. */
export const tokenSecretName = (pipelineRun: string) => boundedName(`${pipelineRun}-kiln-token`);

/** The PVC made from a run's volumeClaimTemplate workspace binding. */
export const workspaceClaimName = (pipelineRun: string, workspace: string) =>
  boundedName(`${pipelineRun}-ws-${workspace}`);

/** The container of a step. */
export const containerName = (step: string) => boundedName(`step-${step}`);

/**
 * A PipelineRun's id at the collector: `<namespace>.<name>.<first 8 of its UID>`. Same-named runs in
 * two namespaces, or a run deleted and re-created under its name, never share a history, and the
 * run token minted for one id is refused for another.
 */
export function collectorRunId(namespace: string, name: string, uid: string): string {
  return `${namespace}.${name.slice(0, 170)}.${uid.replace(/-/g, '').slice(0, 8)}`;
}
