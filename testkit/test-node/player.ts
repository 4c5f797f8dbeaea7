// What the test node asks of whoever runs a Pod's containers: podman (podman-player.ts) or nobody
// (status-player.ts, for the scale bench). A player reports facts; the node turns them into status.
import type { V1Pod } from '@kubernetes/client-node';
import type { PodFacts } from './kubelet-rules.js';

export interface PodContext {
  /** A Secret's data in the Pod's namespace, decoded; undefined when there is none of that name. */
  secret(name: string): Promise<Record<string, string> | undefined>;
  report(facts: PodFacts): void;
  warn(message: string): void;
}

export interface PlayedPod {
  /** The Pod changed on the server: projected annotations (the Downward API) follow it. */
  updated(pod: V1Pod): void;
  /** SIGTERM to every container, SIGKILL `graceSeconds` later; resolves once all have ended. */
  kill(graceSeconds: number): Promise<void>;
  /** Removes what the Pod left on the node. */
  remove(): Promise<void>;
}

export interface Player {
  play(pod: V1Pod, ctx: PodContext): PlayedPod;
}

/** Resolves after `ms`, or at once when the signal fires (a retry loop stopped by a kill). */
export const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export const nowIso = () => new Date().toISOString();
