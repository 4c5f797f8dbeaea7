// Tekton's step results and step workspaces in the Pod the pod builder makes.
import { describe, expect, it } from 'vitest';
import { ENTRYPOINT_FLAGS as F, kilnPaths } from '../../../contract/index.js';
import { buildPod } from '../../../runtimes/kubernetes/pod-builder.js';
import { BUILD_OPTIONS, plan, step } from '../../controller/plans.js';

const P = kilnPaths();
const container = (pod: ReturnType<typeof buildPod>, name: string) =>
  pod.spec!.containers.find((c) => c.name === `step-${name}`)!;

describe('step results in the Pod', () => {
  const pod = buildPod(
    plan({
      results: ['digest'],
      steps: [
        step('build', {
          command: ['sh', '-c', 'printf d > $(step.results.d.path)'],
          results: ['d'],
          taskResults: { d: 'digest' },
        }),
        step('use', { command: ['echo', '$(steps.build.results.d)'] }),
      ],
    }),
    BUILD_OPTIONS,
  );

  it("writes a step's own result under the steps directory, and maps it to its task result", () => {
    const build = container(pod, 'build').command!;
    expect(build).toContain(`printf d > ${P.stepResultFile('build', 'd')}`);
    expect(build.slice(build.indexOf(F.stepsDir), build.indexOf(F.stepsDir) + 4)).toEqual([
      F.stepsDir,
      P.stepsDir,
      F.stepResultsAs,
      'd=digest',
    ]);
  });

  it("leaves a later step's reference for its agent, which gets the steps directory", () => {
    const use = container(pod, 'use').command!;
    expect(use).toContain('$(steps.build.results.d)');
    expect(use).toContain(F.stepsDir);
    expect(use).not.toContain(F.stepResultsAs);
  });
});

describe('step workspaces in the Pod', () => {
  const pod = buildPod(
    plan({
      steps: [
        step('with', { command: ['ls', '$(workspaces.src.path)'], workspaces: [{ name: 'src', mountPath: '/creds' }] }),
        step('without', { command: ['true'] }),
      ],
    }),
    BUILD_OPTIONS,
  );
  const mounts = (name: string) => container(pod, name).volumeMounts!.map((m) => m.mountPath);

  it('mounts an isolated workspace only in the steps that name it, at their mount path', () => {
    expect(mounts('with')).toContain('/creds');
    expect(container(pod, 'with').command).toContain('/creds');
    expect(mounts('without').some((p) => p.startsWith('/workspace') || p === '/creds')).toBe(false);
  });

  it('mounts a workspace no step names in every step', () => {
    const shared = buildPod(
      plan({ steps: [step('a', { command: ['true'] }), step('b', { command: ['true'] })] }),
      BUILD_OPTIONS,
    );
    for (const c of shared.spec!.containers.filter((c) => c.name.startsWith('step-')))
      expect(c.volumeMounts!.map((m) => m.mountPath)).toContain('/workspace/src');
  });
});

describe('sidecars in the Pod', () => {
  const probe = { exec: { command: ['test', '-f', '$(workspaces.src.path)/up'] }, successThreshold: 1 };
  const sidecarPlan = plan({
    steps: [step('work', { command: ['true'] })],
    sidecars: [{ ...step('server', { script: 'touch $(workspaces.src.path)/up; sleep 600' }), readinessProbe: probe }],
  });

  it('is a native sidecar whose readiness probe is also its startup probe, so the steps start once it is ready', () => {
    const pod = buildPod(sidecarPlan, BUILD_OPTIONS);
    const c = pod.spec!.initContainers!.find((c) => c.name === 'sidecar-server')!;
    expect(c.restartPolicy).toBe('Always');
    // Under the agent, as a step (no wait file): its output spooled as the step after the last.
    expect(c.command!.slice(0, 2)).toEqual(['/kiln/bin/kiln-agent', 'entrypoint']);
    expect(c.command).not.toContain('-wait_file');
    expect(c.command).not.toContain('-settled_file'); // it has a probe: the kubelet's gate
    expect(c.command![c.command!.indexOf('-step_index') + 1]).toBe('1');
    expect(c.command!.slice(-6)).toEqual([
      '-entrypoint',
      '/bin/sh',
      '--',
      '-c',
      'touch /workspace/src/up; sleep 600',
      'sh',
    ]);
    expect(c.readinessProbe).toEqual({ ...probe, exec: { command: ['test', '-f', '/workspace/src/up'] } });
    // A startup probe's successThreshold must be 1: it is left out; it gives up no sooner than the
    // task's timeout (600 s here, the default period of 10 s: 61 tries).
    expect(c.startupProbe).toEqual({ exec: { command: ['test', '-f', '/workspace/src/up'] }, failureThreshold: 61 });
    expect(c.volumeMounts!.map((m) => m.mountPath)).toContain('/workspace/src');
  });

  it('is shipped by the log proxy as sidecar-NAME; one without probes holds the first step until it settled', () => {
    const pod = buildPod(
      plan({
        steps: [step('work', { command: ['true'] }), step('more', { command: ['true'] })],
        sidecars: [
          { ...step('server', { command: ['sleep', '600'] }), readinessProbe: probe },
          step('plain', { command: ['sleep', '600'] }),
        ],
      }),
      BUILD_OPTIONS,
    );
    const init = pod.spec!.initContainers!;
    expect(init.map((c) => c.name)).toEqual(['kiln-init', 'kiln-log-proxy', 'sidecar-server', 'sidecar-plain']);
    const proxy = init[1]!.command!;
    expect(proxy[proxy.indexOf('-steps') + 1]).toBe('work,more,sidecar-server,sidecar-plain');
    const plain = init[3]!.command!;
    expect(plain[plain.indexOf('-settled_file') + 1]).toBe('/kiln/run/3.settled');
    for (const dir of ['/kiln/bin', '/kiln/lib', '/kiln/run', '/kiln/logs'])
      expect(init[3]!.volumeMounts!.map((m) => m.mountPath)).toContain(dir);
    const [first, second] = pod.spec!.containers.map((c) => c.command!);
    expect(first![first!.indexOf('-wait_file') + 1]).toBe('/kiln/downward/ready,/kiln/run/3.settled');
    expect(second![second!.indexOf('-wait_file') + 1]).toBe('/kiln/run/0/out');
  });

  it('is locked down as the steps are in mode restricted (PodSecurity restricted admits the Pod)', () => {
    const sidecar = (podSecurity?: 'restricted') =>
      buildPod(sidecarPlan, { ...BUILD_OPTIONS, podSecurity }).spec!.initContainers!.find(
        (c) => c.name === 'sidecar-server',
      )!;
    expect(sidecar('restricted').securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(sidecar().securityContext).toBeUndefined();
  });

  it('keeps a startupProbe of its own (substituted) as the kubelet gate, beside its readiness probe', () => {
    const startup = { tcpSocket: { port: 5432 }, failureThreshold: 30, periodSeconds: 1 };
    const own = plan({
      steps: [step('work', { command: ['true'] })],
      sidecars: [
        {
          ...step('server', { command: ['sleep', '600'] }),
          readinessProbe: probe,
          startupProbe: { exec: { command: ['test', '-d', '$(workspaces.src.path)'] } },
        },
        { ...step('db', { command: ['sleep', '600'] }), startupProbe: startup },
      ],
    });
    const pod = buildPod(own, BUILD_OPTIONS);
    const c = (name: string) => pod.spec!.initContainers!.find((c) => c.name === name)!;
    expect(c('sidecar-server').startupProbe).toEqual({ exec: { command: ['test', '-d', '/workspace/src'] } });
    expect(c('sidecar-server').readinessProbe!.exec!.command).toEqual(['test', '-f', '/workspace/src/up']);
    expect(c('sidecar-db').startupProbe).toEqual(startup);
    expect(c('sidecar-db').readinessProbe).toBeUndefined();
  });

  it('keeps its ports, which a probe may name (the kubelet resolves `port: http` from them)', () => {
    const named = plan({
      steps: [step('work', { command: ['true'] })],
      sidecars: [
        {
          ...step('web', { command: ['httpd'] }),
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { port: 'http' } },
        },
      ],
    });
    const c = buildPod(named, BUILD_OPTIONS).spec!.initContainers!.find((c) => c.name === 'sidecar-web')!;
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
    expect(c.readinessProbe!.httpGet!.port).toBe('http');
  });

  it('is refused where the server has no native sidecars', () => {
    expect(() => buildPod(sidecarPlan, { ...BUILD_OPTIONS, nativeSidecars: false })).toThrow(/native sidecars/);
  });
});
