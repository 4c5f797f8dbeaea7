// The runtime of a `kiln run`, on the engine chosen (run-engine.ts): the host engine's processes in
// pod-like directories, or podman playing each task run's Pod.
import { join, resolve } from 'node:path';
import { MAX_TIMER_MS } from '../contract/index.js';
import { isTls } from '../contract/proc/index.js';
import { LocalRuntime, packageRoot, type HostRunner, type OutputLine } from '../runtimes/host/index.js';
import type { PodmanRuntime } from '../runtimes/podman/index.js';
import type { RunShipping } from './run-shipping.js';
import type { Engine } from './run-engine.js';
import type { Runtime } from '../engine/index.js';

/** How long the runtime lets a log proxy run past its own deadline before killing it. */
const LOG_PROXY_SLACK_MS = 30_000;

export interface RunRuntimeOptions {
  engine: Engine;
  cwd: string;
  agent: string[];
  isolate?: boolean;
  keep?: boolean;
  cacheDir: string;
  /** A `kiln-agent host` started early (startHostRunner), for this pipeline run. */
  hostRunner?: { runner: HostRunner; pipelineRun: string };
  logDeadlineMs: number;
  logDeadline: string;
  shipping: RunShipping;
  onOutput: (line: OutputLine) => void;
  onWarning: (message: string) => void;
}

export async function openRuntime(o: RunRuntimeOptions): Promise<LocalRuntime | PodmanRuntime> {
  const baseDir = join(o.cwd, '.kiln', 'runs');
  const sidecarLimitMs = Math.min(o.logDeadlineMs + LOG_PROXY_SLACK_MS, MAX_TIMER_MS);
  if (o.engine === 'podman') {
    // Loaded only here: the podman engine brings the pod builder and the Kubernetes client.
    const { ensureAgentImage, Podman, PodmanRuntime, podmanFromEnv } = await import('../runtimes/podman/index.js');
    const podman = podmanFromEnv();
    return new PodmanRuntime({
      podman,
      baseDir,
      agentImage: await ensureAgentImage(new Podman(podman), packageRoot()),
      keep: o.keep,
      onOutput: o.onOutput,
      logDeadline: o.logDeadline,
      sidecarLimitMs,
      onWarning: o.onWarning,
    });
  }
  return new LocalRuntime({
    baseDir,
    agent: o.agent,
    isolate: o.isolate,
    keep: o.keep,
    onOutput: o.onOutput,
    sidecar: o.shipping.sidecar,
    logSink: o.shipping.logSink,
    sidecarLimitMs,
    onWarning: o.onWarning,
    cacheDir: resolve(o.cwd, o.cacheDir),
    hostRunner: o.hostRunner,
    collectorTls: isTls(o.shipping.collector.url),
  });
}

/** Whether podman runs containers here (`auto`'s test). */
export async function podmanRuns(): Promise<boolean> {
  const { Podman, podmanFromEnv } = await import('../runtimes/podman/index.js');
  return new Podman(podmanFromEnv()).works();
}

/**
 * A first task run's go-ahead may wait on its sidecars' readiness (seconds); the collector is not
 * held back longer than this (the run's record, approvals and the UI link wait on it).
 */
const FIRST_START_WAIT_MS = 300;

/**
 * The runtime as the engine sees it, and a promise of its first task run's go-ahead (that start
 * settled, or FIRST_START_WAIT_MS passed), resolved at once when no start had been asked for. On
 * the host engine the embedded collector's start (≈100 ms of this thread: SQLite, the HTTP
 * routes) waits for it: started beside the first task run's set-up, it held that set-up's file
 * writes back, and the steps with them (the first go-ahead 114–150 ms after its start, now 27–42).
 */
export function withFirstStart(runtime: Runtime): { runtime: Runtime; firstStarted: () => Promise<void> } {
  let first: Promise<void> | undefined;
  const gated: Runtime = {
    kind: runtime.kind,
    start: (plan) => {
      const started = runtime.start(plan);
      first ??= Promise.race([
        started.then(
          () => undefined,
          () => undefined,
        ),
        new Promise<void>((bound) => setTimeout(bound, FIRST_START_WAIT_MS).unref()),
      ]);
      return started;
    },
    onUpdate: (listener) => runtime.onUpdate(listener),
    cancel: (taskRun, reason) => runtime.cancel(taskRun, reason),
    cleanup: (pipelineRun) => runtime.cleanup(pipelineRun),
  };
  return { runtime: gated, firstStarted: () => first ?? Promise.resolve() };
}
