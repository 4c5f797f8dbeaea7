// A Pod with Tekton sidecars made playable by podman 4.3 (no native sidecars): the sidecars become
// ordinary containers after the steps, run by the agent with no wait file and shipped by the log
// proxy as `sidecar-NAME`; their probes are taken out for the runtime to run; and the steps'
// go-ahead (the ready file) starts empty, where a Pod without sidecars has it at once.
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENTRYPOINT_FLAGS as F, KILN_ROOT, kilnPaths, LOG_PROXY_FLAGS } from '../../../contract/index.js';
import { buildPod } from '../../../runtimes/kubernetes/pod-builder.js';
import { playablePod, writePlayablePod } from '../../../runtimes/podman/manifest.js';
import { BUILD_OPTIONS, plan, step } from '../../controller/plans.js';

const P = kilnPaths(KILN_ROOT);
const root = mkdtempSync(join(tmpdir(), 'kiln-playable-sidecars-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const readiness = { tcpSocket: { port: 8080 }, periodSeconds: 1 };
const startup = { exec: { command: ['test', '-d', '$(workspaces.src.path)'] } };
const withSidecars = plan({
  steps: [step('one', { command: ['true'] }), step('two', { command: ['true'] })],
  sidecars: [
    { ...step('server', { command: ['sleep', '600'] }), readinessProbe: readiness, startupProbe: startup },
    { ...step('plain', { command: ['sleep', '600'] }) },
  ],
});

const play = (p: typeof withSidecars, dir: string) => {
  const playable = playablePod(buildPod(p, BUILD_OPTIONS), join(root, dir), {});
  writePlayablePod(playable);
  return playable;
};

describe('a Pod with sidecars on podman', () => {
  const playable = play(withSidecars, 'sidecars');
  const containers = playable.manifest.spec!.containers;
  const server = containers.find((c) => c.name === 'sidecar-server')!;

  it('runs each sidecar as an ordinary container after the steps, under the agent with no wait file', () => {
    expect(containers.map((c) => c.name)).toEqual([
      'step-one',
      'step-two',
      'kiln-log-proxy',
      'sidecar-server',
      'sidecar-plain',
    ]);
    expect(playable.manifest.spec!.initContainers!.map((c) => c.name)).toEqual(['kiln-init']);
    expect(server.restartPolicy).toBeUndefined();
    expect(server.command!.slice(0, 2)).toEqual([P.agent, 'entrypoint']);
    expect(server.command).not.toContain(F.waitFile);
    const flag = (f: string) => server.command![server.command!.indexOf(f) + 1];
    expect(flag(F.stepIndex)).toBe('2');
    expect(flag(F.stepName)).toBe('sidecar-server');
    expect(server.command!.slice(-3)).toEqual(['sleep', '--', '600']);
    const mounts = server.volumeMounts!.map((m) => m.mountPath);
    for (const dir of [P.binDir, P.libDir, P.runDir, P.logDir]) expect(mounts).toContain(dir);
    expect(containers.find((c) => c.name === 'sidecar-plain')!.command).toContain('3');
  });

  it('tells the log proxy to ship the sidecars as the steps after the last one', () => {
    const proxy = containers.find((c) => c.name === 'kiln-log-proxy')!.command!;
    expect(proxy[proxy.indexOf(LOG_PROXY_FLAGS.steps) + 1]).toBe('one,two,sidecar-server,sidecar-plain');
  });

  it('takes the probes out for the runtime, substituted, and holds the steps back', () => {
    expect(server.readinessProbe).toBeUndefined();
    expect(server.startupProbe).toBeUndefined();
    expect(playable.sidecars).toEqual([
      {
        container: 'sidecar-server',
        readinessProbe: readiness,
        startupProbe: { exec: { command: ['test', '-d', '/workspace/src'] } },
      },
      { container: 'sidecar-plain' },
    ]);
    expect(readFileSync(playable.readyFile!, 'utf8')).toBe('');
  });

  it('gives the go-ahead at once when the Pod has no sidecars', () => {
    const plain = play(plan({ steps: [step('one', { command: ['true'] })] }), 'plain');
    expect(plain.sidecars).toEqual([]);
    expect(readFileSync(plain.readyFile!, 'utf8')).toBe('READY');
  });
});
