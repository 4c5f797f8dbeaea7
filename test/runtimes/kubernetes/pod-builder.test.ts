import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ENTRYPOINT_FLAGS as F, LOG_PROXY_FLAGS, TERMINATION_PATH, kilnPaths } from '../../../contract/index.js';
import { buildPod, terminationBudget } from '../../../runtimes/kubernetes/pod-builder.js';
import { PodBuildError } from '../../../runtimes/kubernetes/errors.js';
import { parseQuantity } from '../../../runtimes/kubernetes/quantity.js';
import type { TaskVolume } from '../../../syntax/index.js';
import { BUILD_OPTIONS, plan, step } from '../../controller/plans.js';

const P = kilnPaths();
const GOLDEN = new URL('./golden/three-step-pod.yaml', import.meta.url);
const flagValue = (cmd: string[], flag: string) => cmd[cmd.indexOf(flag) + 1];

describe('pod builder', () => {
  it('matches the golden Pod of a three-step task', () => {
    const yaml = stringify(buildPod(plan(), BUILD_OPTIONS));
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, yaml);
    expect(yaml).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('is deterministic and names the Pod after the task run', () => {
    const a = buildPod(plan(), BUILD_OPTIONS);
    expect(buildPod(plan(), BUILD_OPTIONS)).toEqual(a);
    expect(a.metadata!.name).toBe('web-app-1-build');
    const long = buildPod(plan({ name: 'x'.repeat(80) }), BUILD_OPTIONS).metadata!.name!;
    expect(long.length).toBeLessThanOrEqual(63);
    expect(buildPod(plan({ name: 'x'.repeat(80) }), BUILD_OPTIONS).metadata!.name).toBe(long);
    expect(buildPod(plan({ name: 'x'.repeat(81) }), BUILD_OPTIONS).metadata!.name).not.toBe(long);
  });

  it('chains steps: step 0 waits on the ready file, step i on step i-1 post file', () => {
    const [s0, s1, s2] = buildPod(plan(), BUILD_OPTIONS).spec!.containers;
    expect(s0.command!.slice(0, 2)).toEqual([P.agent, 'entrypoint']);
    expect(flagValue(s0.command!, F.waitFile)).toBe(P.readyFile);
    expect(s0.command).toContain(F.waitFileContent);
    expect(flagValue(s1.command!, F.waitFile)).toBe(P.postFile(0));
    expect(s1.command).not.toContain(F.waitFileContent);
    expect(flagValue(s2.command!, F.waitFile)).toBe(P.postFile(1));
    for (const [i, c] of [s0, s1, s2].entries()) {
      expect(flagValue(c.command!, F.postFile)).toBe(P.postFile(i));
      expect(flagValue(c.command!, F.terminationPath)).toBe(TERMINATION_PATH);
      expect(c.terminationMessagePath).toBe(TERMINATION_PATH);
    }
  });

  it('delivers scripts as annotations projected to /kiln/scripts, commands after --', () => {
    const pod = buildPod(plan(), BUILD_OPTIONS);
    const [s0, s1, s2] = pod.spec!.containers;
    expect(flagValue(s0.command!, F.entrypoint)).toBe(P.scriptFile(0));
    expect(pod.metadata!.annotations!['kiln.dev/script-0']).toBe('#!/bin/sh\nnpm ci');
    expect(pod.metadata!.annotations!['kiln.dev/script-2']).toBe('#!/usr/bin/env python3\nprint(1)');
    expect(pod.metadata!.annotations!['kiln.dev/ready']).toBeUndefined();
    expect(flagValue(s1.command!, F.entrypoint)).toBe('npm');
    expect(s1.command!.slice(s1.command!.indexOf('--') + 1)).toEqual(['test', '--', `--out=${P.resultFile('report')}`]);
    expect(flagValue(s1.command!, F.timeout)).toBe('1m0s');
    const scripts = pod.spec!.volumes!.find((v) => v.name === 'kiln-scripts')!.downwardAPI!;
    expect(scripts.items!.map((i) => i.path)).toEqual(['0', '2']);
    expect(scripts.defaultMode).toBe(0o555);
    expect(s2.volumeMounts!.some((m) => m.mountPath === P.scriptsDir)).toBe(true);
    expect(s1.volumeMounts!.some((m) => m.mountPath === P.scriptsDir)).toBe(false);
  });

  it('copies the agent in with an init container and mounts it read-only in steps', () => {
    const pod = buildPod(plan(), BUILD_OPTIONS);
    const init = pod.spec!.initContainers![0];
    expect(init.image).toBe(BUILD_OPTIONS.agentImage);
    expect(init.command).toEqual([P.agent, 'init', '/kiln-tools']);
    expect(init.volumeMounts).toEqual([
      { name: 'kiln-bin', mountPath: '/kiln-tools/bin' },
      { name: 'kiln-lib', mountPath: '/kiln-tools/lib' },
    ]);
    for (const c of pod.spec!.containers) {
      expect(c.volumeMounts!.find((m) => m.mountPath === P.binDir)).toEqual({
        name: 'kiln-bin',
        mountPath: P.binDir,
        readOnly: true,
      });
      expect(c.volumeMounts!.find((m) => m.mountPath === P.libDir)).toEqual({
        name: 'kiln-lib',
        mountPath: P.libDir,
        readOnly: true,
      });
      expect(c.volumeMounts!.find((m) => m.mountPath === P.downwardDir)).toMatchObject({ readOnly: true });
    }
    const ready = pod.spec!.volumes!.find((v) => v.name === 'kiln-downward')!.downwardAPI!.items![0];
    expect(ready).toEqual({ path: 'ready', fieldRef: { fieldPath: "metadata.annotations['kiln.dev/ready']" } });
  });

  it('runs the log proxy as a native sidecar only when a collector is set', () => {
    const pod = buildPod(plan(), BUILD_OPTIONS);
    const proxy = pod.spec!.initContainers![1];
    expect(proxy.restartPolicy).toBe('Always');
    expect(flagValue(proxy.command!, LOG_PROXY_FLAGS.steps)).toBe('install,test,publish');
    expect(flagValue(proxy.command!, LOG_PROXY_FLAGS.collector)).toBe('http://kiln-collector.kiln.svc:8080');
    expect(pod.spec!.volumes!.find((v) => v.name === 'kiln-token')!.secret!.secretName).toBe('web-app-1-kiln-token');
    const bare = buildPod(plan({ collector: undefined }), BUILD_OPTIONS);
    expect(bare.spec!.initContainers!.map((c) => c.name)).toEqual(['kiln-init']);
    expect(bare.spec!.volumes!.some((v) => v.name === 'kiln-token')).toBe(false);
  });

  it('runs the log proxy as the last ordinary container on a server without native sidecars', () => {
    const pod = buildPod(plan(), { ...BUILD_OPTIONS, nativeSidecars: false });
    expect(pod.spec!.initContainers!.map((c) => c.name)).toEqual(['kiln-init']);
    const names = pod.spec!.containers.map((c) => c.name);
    expect(names.at(-1)).toBe('kiln-log-proxy');
    expect(pod.spec!.containers.at(-1)!.restartPolicy).toBeUndefined();
    expect(names.slice(0, -1)).toEqual(buildPod(plan(), BUILD_OPTIONS).spec!.containers.map((c) => c.name));
  });

  it("gives each step its share of the kubelet's 12 KiB of termination messages, init containers counted", () => {
    expect([1, 2, 3, 4, 5, 6].map(terminationBudget)).toEqual([4096, 4096, 4096, 3072, 2457, 2048]);
    const limit = (p: ReturnType<typeof plan>) =>
      buildPod(p, BUILD_OPTIONS).spec!.containers.map((c) => flagValue(c.command!, F.terminationLimit));
    // Three steps + kiln-init + the log proxy: 12288 / 5.
    expect(limit(plan())).toEqual(['2457', '2457', '2457']);
    // Two steps + kiln-init, no log proxy: 4096 each, the agent's default, so no flag.
    const two = plan({ collector: undefined });
    two.steps = two.steps.slice(0, 2);
    expect(buildPod(two, BUILD_OPTIONS).spec!.containers.map((c) => c.command!.includes(F.terminationLimit))).toEqual([
      false,
      false,
    ]);
  });

  it("mounts the task's own volumes as written where its steps ask (Tekton's volumes/volumeMounts)", () => {
    const volumes: TaskVolume[] = [
      { name: 'scratch', source: { emptyDir: {} }, files: {} },
      { name: 'config', source: { configMap: { name: 'flavours' } }, files: { flavour: 'chocolate' } },
    ];
    const mounts = [
      { name: 'scratch', mountPath: '/data', subPath: 'sub' },
      { name: 'config', mountPath: '/etc/config', readOnly: true },
    ];
    const pod = buildPod(
      plan({ steps: [step('use', { script: 'true', volumeMounts: mounts })], volumes }),
      BUILD_OPTIONS,
    );
    expect(pod.spec!.volumes).toEqual(
      expect.arrayContaining([
        { name: 'vol-scratch', emptyDir: {} },
        { name: 'vol-config', configMap: { name: 'flavours' } },
      ]),
    );
    expect(pod.spec!.containers[0]!.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'vol-scratch', mountPath: '/data', subPath: 'sub' },
        { name: 'vol-config', mountPath: '/etc/config', readOnly: true },
      ]),
    );
    // `$(workspaces.w.volume)` (read as `workspace: w`) mounts the Pod volume backing workspace w.
    const viaWorkspace = [{ name: '$(workspaces.src.volume)', workspace: 'src', mountPath: '/mnt/src' }];
    const withWorkspace = buildPod(
      plan({
        steps: [step('use', { script: 'true', volumeMounts: viaWorkspace })],
        workspaces: [{ name: 'src', workspace: 'source' }],
      }),
      BUILD_OPTIONS,
    );
    expect(withWorkspace.spec!.containers[0]!.volumeMounts).toContainEqual({
      name: 'ws-source',
      mountPath: '/mnt/src',
    });
    const unknown = [{ name: 'nope', mountPath: '/x' }];
    expect(() =>
      buildPod(plan({ steps: [step('use', { script: 'true', volumeMounts: unknown })] }), BUILD_OPTIONS),
    ).toThrow(/mounts volume "nope", which the task does not have/);
  });

  it("gives the steps Tekton's /tekton/home when one names it; a step's own volume there wins", () => {
    const volumes: TaskVolume[] = [{ name: 'fresh', source: { emptyDir: {} }, files: {} }];
    const pod = buildPod(
      plan({
        steps: [
          step('write', { script: 'echo x > /tekton/home/note' }),
          step('own', { script: 'ls /tekton/home', volumeMounts: [{ name: 'fresh', mountPath: '/tekton/home' }] }),
        ],
        volumes,
      }),
      BUILD_OPTIONS,
    );
    expect(pod.spec!.volumes).toContainEqual({ name: 'tekton-home', emptyDir: {} });
    const homes = pod.spec!.containers.map((c) => c.volumeMounts!.filter((m) => m.mountPath === '/tekton/home'));
    expect(homes).toEqual([
      [{ name: 'tekton-home', mountPath: '/tekton/home' }],
      [{ name: 'vol-fresh', mountPath: '/tekton/home' }],
    ]);
    expect(buildPod(plan(), BUILD_OPTIONS).spec!.volumes!.some((v) => v.name === 'tekton-home')).toBe(false);
  });

  it('requests the maximum over steps, not the sum', () => {
    const [s0, s1, s2] = buildPod(plan(), BUILD_OPTIONS).spec!.containers;
    const sum = (r: string) =>
      [s0, s1, s2].reduce((n, c) => n + parseQuantity(String(c.resources?.requests?.[r] ?? '0'), r), 0);
    expect(sum('cpu')).toBe(2);
    expect(sum('memory')).toBe(2 ** 30);
    expect(s1.resources!.limits).toEqual({ memory: '2Gi' });
    expect(s1.resources!.requests).toEqual({ cpu: '2', memory: '0' });
    const bad = plan({ steps: [step('a', { command: ['x'], resources: { requests: { cpu: 'lots' } } })] });
    expect(() => buildPod(bad, BUILD_OPTIONS)).toThrow(/"lots" is not a Kubernetes quantity/);
  });

  it('mounts workspaces by binding kind and refuses host directories', () => {
    const pod = buildPod(plan(), BUILD_OPTIONS);
    expect(pod.spec!.volumes!.find((v) => v.name === 'ws-source')!.persistentVolumeClaim).toEqual({
      claimName: 'shared-src',
    });
    expect(pod.spec!.containers[0].volumeMounts!.find((m) => m.name === 'ws-source')).toEqual({
      name: 'ws-source',
      mountPath: '/workspace/src',
      subPath: 'app',
    });
    const tmpl = buildPod(
      plan({ workspaceBindings: { source: { kind: 'volumeClaimTemplate', spec: {} } } }),
      BUILD_OPTIONS,
    );
    expect(tmpl.spec!.volumes!.find((v) => v.name === 'ws-source')!.persistentVolumeClaim!.claimName).toBe(
      'web-app-1-ws-source',
    );
    const empty = buildPod(plan({ workspaceBindings: { source: { kind: 'emptyDir' } } }), BUILD_OPTIONS);
    expect(empty.spec!.volumes!.find((v) => v.name === 'ws-source')!.emptyDir).toEqual({});
    expect(() =>
      buildPod(plan({ workspaceBindings: { source: { kind: 'dir', path: '/tmp' } } }), BUILD_OPTIONS),
    ).toThrow(/host directory/);
    expect(() => buildPod(plan({ workspaceBindings: {} }), BUILD_OPTIONS)).toThrow(/binds none/);
    const locked = buildPod(
      plan({ workspaces: [{ name: 'src', workspace: 'source', readOnly: true }] }),
      BUILD_OPTIONS,
    );
    expect(locked.spec!.containers[0].volumeMounts!.find((m) => m.name === 'ws-source')!.readOnly).toBe(true);
  });

  it("mode image (default): steps run as the image's user with the runtime's capabilities; Kiln's containers locked down", () => {
    const pod = buildPod(plan(), BUILD_OPTIONS);
    expect(pod.spec!.securityContext).toBeUndefined();
    for (const c of pod.spec!.containers) expect(c.securityContext, c.name).toBeUndefined();
    for (const c of pod.spec!.initContainers!)
      expect(c.securityContext, c.name).toEqual({
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
    // No fsGroup to read the token by: readable by any user of the Pod (all the run's own).
    expect(pod.spec!.volumes!.find((v) => v.name === 'kiln-token')!.secret!.defaultMode).toBe(0o444);
    expect(buildPod(plan(), { ...BUILD_OPTIONS, runAsUser: 1000 }).spec!.securityContext).toEqual({ runAsUser: 1000 });
  });

  it('mode restricted: every container passes PodSecurity restricted', () => {
    const pod = buildPod(plan(), { ...BUILD_OPTIONS, podSecurity: 'restricted' });
    expect(pod.spec!.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const c of [...pod.spec!.containers, ...pod.spec!.initContainers!]) {
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
      });
    }
    expect(pod.spec!.volumes!.find((v) => v.name === 'kiln-token')!.secret!.defaultMode).toBe(0o440);
    const root = buildPod(plan(), { ...BUILD_OPTIONS, podSecurity: 'restricted', runAsUser: 0 });
    expect(root.spec!.securityContext!.runAsNonRoot).toBe(false);
  });

  it('sets deadline and owner', () => {
    const pod = buildPod(plan(), BUILD_OPTIONS);
    expect(pod.spec!.activeDeadlineSeconds).toBe(630);
    expect(buildPod(plan({ timeoutMs: undefined }), BUILD_OPTIONS).spec!.activeDeadlineSeconds).toBeUndefined();
    expect(pod.metadata!.ownerReferences).toEqual([
      {
        apiVersion: 'kiln.dev/v1alpha1',
        kind: 'PipelineRun',
        name: 'web-app-1',
        uid: '1111-2222',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(pod.spec!.restartPolicy).toBe('Never');
  });

  it('merges env with the step winning and resolves path references', () => {
    const [, , s2] = buildPod(plan(), BUILD_OPTIONS).spec!.containers;
    expect(s2.env).toEqual([
      { name: 'CI', value: 'true' },
      { name: 'MODE', value: 'fast' },
    ]);
    expect(s2.image).toBe('alpine:3');
  });

  it('refuses a step without run or command, or without an image, saying how to fix it', () => {
    const noCmd = plan({ steps: [step('lint')] });
    const err = (() => {
      try {
        buildPod(noCmd, BUILD_OPTIONS);
      } catch (e) {
        return e;
      }
    })() as PodBuildError;
    expect(err).toBeInstanceOf(PodBuildError);
    expect(err.message).toBe('task "build" step "lint" gives neither `run` nor `command`');
    expect(err.hint).toMatch(/registry/);
    expect(() => buildPod(plan({ image: undefined, steps: [step('a', { command: ['x'] })] }), BUILD_OPTIONS)).toThrow(
      /has no image/,
    );
    expect(() => buildPod(plan({ steps: [] }), BUILD_OPTIONS)).toThrow(/has no steps/);
    expect(() => buildPod(plan({ steps: [step('a', { script: 'x'.repeat(300_000) })] }), BUILD_OPTIONS)).toThrow(
      /limit of Pod annotations/,
    );
  });
});

describe('quantity parser', () => {
  it('parses the Kubernetes forms and rejects others', () => {
    expect(parseQuantity('250m', 'x')).toBe(0.25);
    expect(parseQuantity('1Gi', 'x')).toBe(2 ** 30);
    expect(parseQuantity('2e3', 'x')).toBe(2000);
    expect(parseQuantity('1.5', 'x')).toBe(1.5);
    for (const bad of ['', 'm', '1GB', '1 Gi', '--1', 'Infinity'])
      expect(() => parseQuantity(bad, 'x')).toThrow(/not a Kubernetes quantity/);
  });

  it('never throws anything but its own error on random input (fuzz)', () => {
    const alphabet = '0123456789.eE+-mkKMGiTPn ';
    for (let n = 0; n < 2000; n++) {
      const s = Array.from(
        { length: 1 + (n % 8) },
        (_, i) => alphabet[(n * 31 + i * 17 + n * i) % alphabet.length],
      ).join('');
      try {
        expect(Number.isFinite(parseQuantity(s, 'fuzz'))).toBe(true);
      } catch (e) {
        expect((e as Error).name).toBe('InvalidQuantityError');
      }
    }
  });
});
