// scripts/k8s-env.sh from a test: a real control plane, the test node, a collector (and, unless
// asked otherwise, `kiln controller`), each in a state directory of its own; stopped by stop().
// Helpers to run more controllers as processes with deploy/'s ServiceAccount identity, optionally
// through a proxy, and to build the busybox step image into the machine's podman storage.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import { REPO } from './kiln-cli.js';

const run = promisify(execFile);

export interface K8sEnv {
  dir: string;
  /** What `start` printed: KUBECONFIG, KILN_COLLECTOR, KILN_TOKEN, KILN_CONTROLLER_KUBECONFIG, … */
  vars: Record<string, string>;
  /** process.env plus vars: for kubectl and kiln children. */
  env: NodeJS.ProcessEnv;
  namespace: string;
  admin: KubeConfig;
  kubectl(...args: string[]): Promise<string>;
  /** A kubeconfig file with the controller's ServiceAccount token, for `server` (default: the API server). */
  controllerKubeconfig(server?: string): string;
  stop(): Promise<void>;
}

export async function startK8sEnv(opts: { statusesOnly?: boolean; controller?: boolean } = {}): Promise<K8sEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-k8s-env-'));
  rmSync(dir, { recursive: true });
  const env = { ...process.env, KILN_K8S_ENV: dir };
  const flags = [
    ...(opts.statusesOnly ? ['--statuses-only'] : []),
    ...(opts.controller === false ? ['--no-controller'] : []),
  ];
  const { stdout } = await run('bash', [join(REPO, 'scripts/k8s-env.sh'), 'start', ...flags], {
    env,
    timeout: 3_600_000,
    maxBuffer: 16 << 20,
  }).catch((err: { stderr?: string; message: string }) => {
    throw new Error(`scripts/k8s-env.sh start failed: ${err.stderr || err.message}`);
  });
  const vars: Record<string, string> = {};
  for (const [, k, v] of stdout.matchAll(/([A-Z0-9_]+)=(\S+)/g)) vars[k!] = v!;
  const admin = new KubeConfig();
  admin.loadFromFile(vars.KUBECONFIG!);
  const childEnv = { ...env, ...vars };
  let n = 0;
  return {
    dir,
    vars,
    env: childEnv,
    namespace: vars.KILN_K8S_NAMESPACE!,
    admin,
    kubectl: async (...args) => (await run('kubectl', args, { env: childEnv, timeout: 60_000 })).stdout,
    controllerKubeconfig(server) {
      const base = readFileSync(vars.KILN_CONTROLLER_KUBECONFIG!, 'utf8');
      if (!server) return vars.KILN_CONTROLLER_KUBECONFIG!;
      const file = join(dir, `controller-${++n}.kubeconfig`);
      // Through a plain-HTTP proxy on loopback: same token, no TLS.
      writeFileSync(
        file,
        base.replace(
          /server: "[^"]+", certificate-authority: "[^"]+"/,
          `server: "${server}", insecure-skip-tls-verify: true`,
        ),
      );
      return file;
    },
    stop: async () => {
      await run('bash', [join(REPO, 'scripts/k8s-env.sh'), 'stop'], { env, timeout: 120_000 });
    },
  };
}

export interface ControllerProcess {
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM (or SIGKILL) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `kiln controller` as a process with the ServiceAccount's identity (a kubeconfig from controllerKubeconfig). */
export function startController(
  k: K8sEnv,
  kubeconfig: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): ControllerProcess {
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'dist/kiln.mjs'),
      'controller',
      '--collector',
      k.vars.KILN_COLLECTOR!,
      '--collector-secret-file',
      k.vars.KILN_COLLECTOR_SECRET_FILE!,
      '--agent-image',
      k.vars.KILN_AGENT_IMAGE!,
      '--metrics-listen',
      '127.0.0.1:0',
      '--archive-grace',
      '1h',
      // The test namespace enforces PodSecurity restricted; a later --pod-security overrides this.
      '--pod-security',
      'restricted',
      ...args,
    ],
    { env: { ...k.env, ...env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * Every Pod UID seen per Pod name in the namespace, from a watch started now: a duplicate Pod (one
 * created twice, e.g. by two controllers) shows as a second UID under its name.
 */
export async function watchPodUids(k: K8sEnv): Promise<{ uids: Map<string, Set<string>>; stop(): void }> {
  const uids = new Map<string, Set<string>>();
  const w = await new Watch(k.admin).watch(
    `/api/v1/namespaces/${k.namespace}/pods`,
    {},
    (_type, pod: V1Pod) => {
      const set = uids.get(pod.metadata!.name!) ?? new Set();
      set.add(pod.metadata!.uid!);
      uids.set(pod.metadata!.name!, set);
    },
    () => {},
  );
  return { uids, stop: () => w.abort() };
}

export const STEP_IMAGE = 'localhost/kiln-step-busybox:test';

/** images/step-busybox (a static busybox, FROM scratch) in the machine's podman storage, built once. */
export async function ensureStepImage(): Promise<string> {
  const exists = await run('podman', ['image', 'exists', STEP_IMAGE]).then(
    () => true,
    () => false,
  );
  if (exists) return STEP_IMAGE;
  const ctx = mkdtempSync(join(tmpdir(), 'kiln-busybox-'));
  try {
    mkdirSync(join(ctx, 'bin'));
    copyFileSync('/usr/bin/busybox', join(ctx, 'bin/busybox'));
    symlinkSync('busybox', join(ctx, 'bin/sh'));
    await run('buildah', ['bud', '-q', '-t', STEP_IMAGE, '-f', join(REPO, 'images/step-busybox/Dockerfile'), ctx], {
      timeout: 300_000,
    });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return STEP_IMAGE;
}

export const ROOT_STEP_IMAGE = 'localhost/kiln-step-busybox-root:test';

/** The busybox step image with USER 0, as ordinary CI images are (apt-get, npm with HOME=/). */
export async function ensureRootStepImage(): Promise<string> {
  const base = await ensureStepImage();
  const exists = await run('podman', ['image', 'exists', ROOT_STEP_IMAGE]).then(
    () => true,
    () => false,
  );
  if (exists) return ROOT_STEP_IMAGE;
  const ctx = mkdtempSync(join(tmpdir(), 'kiln-busybox-root-'));
  try {
    writeFileSync(join(ctx, 'Containerfile'), `FROM ${base}\nUSER 0:0\n`);
    await run('buildah', ['bud', '-q', '-t', ROOT_STEP_IMAGE, ctx], { timeout: 300_000 });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return ROOT_STEP_IMAGE;
}
