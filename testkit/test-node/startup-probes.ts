// What a kubelet does with a native sidecar's startupProbe, for the podman player: `kube play`
// (podman 4.3) starts every container at once and runs no probe, so the player runs the probe itself
// and holds back the steps' go-ahead (the ready annotation's projection) until every sidecar has
// passed. A sidecar that exits first, or fails the probe failureThreshold times in a row, is what a
// kubelet restarts with a back-off for ever: reported as CrashLoopBackOff (not restarted here).
import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';
import type { Podman } from '../../runtimes/podman/index.js';
import { pause } from './player.js';

export type SidecarStart = { ok: true } | { ok: false; message: string };

/** Probes `c` (a sidecar container, host network) until it is started, it exits, or the probe gives up. */
export async function sidecarStarted(
  podman: Podman,
  container: string,
  c: V1Container,
  signal: AbortSignal,
): Promise<SidecarStart> {
  const probe = c.startupProbe;
  if (!probe) return { ok: true };
  const period = (probe.periodSeconds ?? 10) * 1000;
  const threshold = probe.failureThreshold ?? 3;
  await pause((probe.initialDelaySeconds ?? 0) * 1000, signal);
  for (let failures = 0; !signal.aborted;) {
    if (!(await running(podman, container)))
      return {
        ok: false,
        message: `back-off restarting failed container ${c.name}: it exited before its startupProbe passed`,
      };
    if (await probeOnce(podman, container, c, probe)) return { ok: true };
    if (++failures >= threshold) {
      // The kubelet kills a container whose startup probe gave up, then restarts it.
      await podman.run(['stop', '-t', '0', container]).catch(() => undefined);
      return {
        ok: false,
        message: `back-off restarting failed container ${c.name}: startup probe failed ${failures} times`,
      };
    }
    await pause(period, signal);
  }
  return { ok: false, message: 'stopped' };
}

async function running(podman: Podman, container: string): Promise<boolean> {
  const out = await podman.run(['container', 'inspect', '--format', '{{.State.Status}}', container]).catch(() => '');
  return out.trim() === 'running';
}

async function probeOnce(podman: Podman, container: string, c: V1Container, probe: V1Probe): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  const port = (p: number | string) =>
    typeof p === 'number' ? p : (c.ports?.find((cp) => cp.name === p)?.containerPort ?? Number(p));
  if (probe.exec)
    return podman.run(['exec', container, ...(probe.exec.command ?? [])], timeoutMs).then(
      () => true,
      () => false,
    );
  if (probe.tcpSocket) {
    const at = { host: probe.tcpSocket.host ?? '127.0.0.1', port: port(probe.tcpSocket.port as number | string) };
    return new Promise((resolve) => {
      const socket = connect(at, () => (socket.destroy(), resolve(true)));
      socket.setTimeout(timeoutMs, () => (socket.destroy(), resolve(false)));
      socket.on('error', () => resolve(false));
    });
  }
  if (probe.httpGet) {
    const g = probe.httpGet;
    const url = `${(g.scheme ?? 'HTTP').toLowerCase()}://${g.host ?? '127.0.0.1'}:${port(g.port as number | string)}${g.path ?? '/'}`;
    return fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then(
      (r) => r.status >= 200 && r.status < 400,
      () => false,
    );
  }
  return false;
}
