// Names of pipeline runs and task runs. Kubernetes will use the task run name as a Pod name, so
// it must be a DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters.
import { createHash } from 'node:crypto';

const DNS_LABEL_MAX = 63;

/** Lowercases and replaces what a DNS label cannot hold; never returns an empty string. */
export function dnsSafe(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned || 'x';
}

/** Shortens a label to 63 characters, keeping it unique with a hash of the full text. */
export function fitLabel(label: string): string {
  if (label.length <= DNS_LABEL_MAX) return label;
  const hash = createHash('sha256').update(label).digest('hex').slice(0, 8);
  return `${label.slice(0, DNS_LABEL_MAX - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/**
 * The Pod volume of a pipeline workspace: what `$(workspaces.w.volume)` reads and what the pod
 * builder names the volume, so both are this one function (a long workspace name is shortened).
 */
export const volumeForWorkspace = (workspace: string) => fitLabel(dnsSafe(`ws-${workspace}`));

/** `<pipelineRun>-<task>[-<matrixIndex>][-i<iteration>][-r<attempt>]`, as TaskRunPlan.name documents. */
export function taskRunName(
  pipelineRun: string,
  task: string,
  matrixIndex: number | undefined,
  attempt: number,
  iteration = 0,
): string {
  let name = `${dnsSafe(pipelineRun)}-${dnsSafe(task)}`;
  if (matrixIndex !== undefined) name += `-${matrixIndex}`;
  if (iteration > 0) name += `-i${iteration}`;
  if (attempt > 0) name += `-r${attempt}`;
  return fitLabel(name);
}

/** `<pipeline>-<5 random chars>`: unique per run; `random` is injected so tests are repeatable. */
export function pipelineRunName(pipeline: string, random: () => number = Math.random): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += alphabet[Math.floor(random() * alphabet.length)];
  // Leave room for "-<task>-<i>-r<n>" in task run names.
  return `${dnsSafe(pipeline).slice(0, 30).replace(/-+$/, '')}-${suffix}`;
}

/**
 * A UID for `$(context.pipelineRun.uid)` and `$(context.taskRun.uid)`: UUID-shaped, as Kubernetes
 * gives, and derived from the run's unique name, so every task of a run reads the same one.
 */
export function uidOf(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
