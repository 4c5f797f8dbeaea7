// A sidecar's probes as an engine without a kubelet runs them (the host engine, podman): its
// startupProbe until it succeeds (the sidecar is given up after failureThreshold failures, as the
// kubelet kills it), then its readinessProbe until it succeeds. exec is run where the engine says
// (a process beside the sidecar, `podman exec` in its container); tcpSocket and httpGet on 127.0.0.1.
import { connect } from 'node:net';
import { hasProbes, type ResolvedSidecar } from '../../engine/index.js';
import { LocalRuntimeError } from './errors.js';
import { awaitSettled } from './settled.js';

/** Without periodSeconds, a probe is tried again this soon (Kubernetes' default of 10 s is for clusters). */
const LOCAL_PERIOD_MS = 100;
/** Kubernetes' default failureThreshold. */
const FAILURE_THRESHOLD = 3;

export interface Probe {
  exec?: { command?: string[] };
  tcpSocket?: { port?: number | string; host?: string };
  httpGet?: { port?: number | string; path?: string; host?: string; scheme?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
}

/** Where an exec probe runs: resolves whether the command exited 0 within the timeout. */
export type ExecProbe = (command: string[], timeoutMs: number) => Promise<boolean>;

const PROBES = ['startupProbe', 'readinessProbe'] as const;

/** Whether the sidecar has a probe of its own (without one its agent says when it has settled). */

/** Each probe as an engine without a kubelet can run it, or a refusal naming what it cannot honour. */
export function checkProbes(taskRun: string, sidecar: ResolvedSidecar): void {
  for (const kind of PROBES) {
    const p = sidecar[kind] as Probe | undefined;
    const port = p?.tcpSocket?.port ?? p?.httpGet?.port;
    const refuse = (what: string, hint: string) => {
      throw new LocalRuntimeError(`task run ${taskRun}: sidecar "${sidecar.name}": ${what}`, taskRun, hint);
    };
    if (typeof port === 'string' && portNamed(sidecar, port) === undefined)
      refuse(
        `the ${kind} names port "${port}", which is not among its ports (${portNames(sidecar) || 'it has none'})`,
        `add {name: ${port}, containerPort: N} to the sidecar's ports, or give the ${kind} the port number`,
      );
    if (p?.httpGet?.scheme === 'HTTPS') refuse(`an HTTPS ${kind} is not run locally`, 'probe with exec or tcpSocket');
    if (p?.exec && !p.exec.command?.length) refuse(`the ${kind} has an empty exec command`, 'give exec.command');
  }
}

/**
 * Resolves once the sidecar is ready (its startupProbe, then its readinessProbe, succeeded; without
 * them, once its agent wrote `settledFile`: settled, ended, or `unsettled` after the bound): `ready`;
 * `gone` once `alive` says it ended or the task run stopped; or why its startupProbe gave it up.
 */
export async function awaitSidecar(
  sidecar: ResolvedSidecar,
  exec: ExecProbe,
  alive: () => boolean,
  settledFile: string,
): Promise<{ ready: true; unsettled?: boolean } | { ready: false; failed?: string }> {
  sidecar = withPortNumbers(sidecar);
  if (!hasProbes(sidecar)) {
    const word = await awaitSettled(settledFile, alive);
    return word === 'gone' ? { ready: false } : { ready: true, unsettled: word === 'unsettled' };
  }
  const startup = sidecar.startupProbe as Probe | undefined;
  if (startup) {
    const threshold = startup.failureThreshold ?? FAILURE_THRESHOLD;
    const outcome = await poll(startup, exec, alive, threshold);
    if (outcome === 'gone') return { ready: false };
    if (outcome === 'failed')
      return { ready: false, failed: `its startupProbe failed ${threshold} times (failureThreshold)` };
  }
  const readiness = sidecar.readinessProbe as Probe | undefined;
  if (!readiness) return alive() ? { ready: true } : { ready: false };
  return (await poll(readiness, exec, alive)) === 'ok' ? { ready: true } : { ready: false };
}

async function poll(
  p: Probe,
  exec: ExecProbe,
  alive: () => boolean,
  failureThreshold = Infinity,
): Promise<'ok' | 'gone' | 'failed'> {
  await sleep((p.initialDelaySeconds ?? 0) * 1000);
  const period = p.periodSeconds ? p.periodSeconds * 1000 : LOCAL_PERIOD_MS;
  const timeout = (p.timeoutSeconds ?? 1) * 1000;
  for (let failures = 0; ;) {
    if (!alive()) return 'gone';
    if (await probeOnce(p, exec, timeout)) return 'ok';
    if (++failures >= failureThreshold) return 'failed';
    await sleep(period);
  }
}

/** The number of the sidecar's port named `name` (its `ports`, as a kubelet resolves a probe's named port). */
function portNamed(sidecar: ResolvedSidecar, name: string): number | undefined {
  const port = sidecar.ports?.find((p) => p.name === name)?.containerPort;
  return typeof port === 'number' ? port : undefined;
}

const portNames = (sidecar: ResolvedSidecar) =>
  (sidecar.ports ?? [])
    .filter((p) => typeof p.name === 'string')
    .map((p) => `${p.name as string}: ${String(p.containerPort)}`)
    .join(', ');

/** The sidecar with each probe's named port replaced by its number (checkProbes refused unknown names). */
function withPortNumbers(sidecar: ResolvedSidecar): ResolvedSidecar {
  const out = { ...sidecar };
  for (const kind of PROBES) {
    const p = sidecar[kind] as Probe | undefined;
    const action = p?.tcpSocket ? 'tcpSocket' : p?.httpGet ? 'httpGet' : undefined;
    const port = action && p![action]!.port;
    if (typeof port === 'string') out[kind] = { ...p, [action!]: { ...p![action!], port: portNamed(sidecar, port) } };
  }
  return out;
}

/** What waiting for a task run's sidecars came to: those never ready, those ready by the bound only. */
export interface SidecarsReady {
  unready: string[];
  unsettled: string[];
}

export function readiness(
  sidecars: readonly { name: string }[],
  outcomes: Awaited<ReturnType<typeof awaitSidecar>>[],
): SidecarsReady {
  return {
    unready: sidecars.filter((_, i) => !outcomes[i]!.ready).map((s) => s.name),
    unsettled: sidecars.filter((_, i) => (outcomes[i] as { unsettled?: boolean }).unsettled).map((s) => s.name),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function probeOnce(p: Probe, exec: ExecProbe, timeoutMs: number): Promise<boolean> {
  if (p.exec) return exec(p.exec.command!, timeoutMs);
  if (p.tcpSocket) {
    return new Promise((resolve) => {
      const socket = connect({
        port: Number(p.tcpSocket!.port),
        host: p.tcpSocket!.host ?? '127.0.0.1',
        timeout: timeoutMs,
      });
      const done = (ok: boolean) => (socket.destroy(), resolve(ok));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
      socket.once('timeout', () => done(false));
    });
  }
  const g = p.httpGet!;
  const url = `http://${g.host ?? '127.0.0.1'}:${g.port}${g.path ?? '/'}`;
  return fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then(
    (r) => r.status >= 200 && r.status < 400,
    () => false,
  );
}
