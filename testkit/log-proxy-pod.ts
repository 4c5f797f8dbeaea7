// Real processes for the log proxy suites: a `kiln collector` process that can be SIGKILLed and
// restarted on the same port, steps run by the built `kiln-agent entrypoint`, and the built
// `kiln-agent log-proxy` itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { readPositionFile } from '../agent/log-proxy/state-files.js';
import { mintRunToken } from '../collector/index.js';
import { testClaims } from './store-fixtures.js';

const ROOT = resolve(import.meta.dirname, '..');
export const AGENT = join(ROOT, 'dist/kiln-agent');
export const KILN = join(ROOT, 'bin/kiln.js');

export function requireBuild(): void {
  for (const f of [AGENT, join(ROOT, 'dist/kiln.mjs')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
}

/** Binds `port` on loopback (0: any) and lets it go; answers the port bound, or null when it was taken. */
async function bindAndRelease(port: number): Promise<number | null> {
  const srv = createServer();
  const bound = await new Promise<boolean>((r) => {
    srv.once('error', () => r(false));
    srv.listen(port, '127.0.0.1', () => r(true));
  });
  if (!bound) return null;
  const { port: got } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return got;
}

export async function freePort(): Promise<number> {
  const port = await bindAndRelease(0);
  if (port === null) throw new Error('no port to bind on 127.0.0.1');
  return port;
}

/** The lowest port freeFixedPort picks. */
const FIXED_PORTS_FROM = 10_000;

/**
 * A port free now and below the kernel's ephemeral range (ip_local_port_range), for a server that
 * binds it seconds later (a sidecar in a container). A port from freePort() is one the kernel may
 * hand to any other process's bind(0) or connect meanwhile: in a suite run, another test's
 * collector took it and answered the sidecar's port with 404.
 */
export async function freeFixedPort(): Promise<number> {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const below = Math.min(low || 32768, 32768);
  if (below <= FIXED_PORTS_FROM) throw new Error(`the ephemeral ports start at ${low}: no fixed port below them`);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await bindAndRelease(FIXED_PORTS_FROM + Math.floor(Math.random() * (below - FIXED_PORTS_FROM)));
    if (port !== null) return port;
  }
  throw new Error(`no free port between ${FIXED_PORTS_FROM} and ${below} after 100 tries`);
}

export function exited(p: ChildProcess): Promise<number | null> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode);
  return new Promise((r) => p.once('exit', (code) => r(code)));
}

/** Polls cond every few ms until it holds, failing after timeoutMs with what it waited for. */
export async function waitFor<T>(
  what: string,
  cond: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs `kiln ARGS` in cwd, asynchronously (a collector under test may serve from this process).
 * The environment names no collector or store, so the command finds the local one. */
export function runKiln(
  cwd: string,
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, KILN_COLLECTOR: '', KILN_TOKEN: '', KILN_DATABASE_URL: '', ...extra };
  const p = spawn(process.execPath, [KILN, ...args], { cwd, env });
  let stdout = '';
  let stderr = '';
  p.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  p.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((r) => p.once('close', (status) => r({ status, stdout, stderr })));
}

export class CollectorProcess {
  proc: ChildProcess | null = null;
  readonly url: string;
  constructor(
    readonly port: number,
    readonly db: string,
    readonly stateDir: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts it and resolves once it says it listens. */
  async start(): Promise<void> {
    const p = spawn(
      process.execPath,
      [KILN, 'collector', '--listen', `127.0.0.1:${this.port}`, '--db', this.db, '--state-dir', this.stateDir],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KILN_TOKEN: '', KILN_COLLECTOR_SECRET: '' } },
    );
    this.proc = p;
    let err = '';
    await new Promise<void>((resolveStart, reject) => {
      p.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('listening on')) resolveStart();
      });
      p.once('exit', (code) => reject(new Error(`kiln collector exited ${code}: ${err}`)));
    });
  }

  kill(): Promise<number | null> {
    const p = this.proc!;
    p.kill('SIGKILL');
    return exited(p);
  }

  get readerToken(): string {
    return readFileSync(join(this.stateDir, 'reader-token'), 'utf8').trim();
  }
  runToken(runId: string): string {
    return mintRunToken(readFileSync(join(this.stateDir, 'collector-secret'), 'utf8').trim(), testClaims(runId));
  }
}

/** A `kiln collector` process on a free port keeping its SQLite store and secrets in `dir`, started. */
export async function startCollectorIn(dir: string): Promise<CollectorProcess> {
  const collector = new CollectorProcess(await freePort(), `sqlite:${join(dir, 'kiln.db')}`, join(dir, 'state'));
  await collector.start();
  return collector;
}

/**
 * The environment of a Pod's processes: a container's, which holds what its image and the pod spec
 * give (PATH here), not this machine's. This machine's own variables are not a pod's, and some cost
 * every process: NODE_EXTRA_CA_CERTS makes Node 20 parse the certificate bundle at each start
 * (≈ 80 ms of CPU for the agent and for the log proxy on this machine, against ≈ 50 ms for the rest
 * of their start), which the steps of a real Pod would pay only if their Task set it.
 */
const POD_ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };

/** A pod's /kiln laid out in a directory. */
export class Pod {
  constructor(
    readonly root: string,
    readonly steps: string[],
  ) {
    mkdirSync(join(root, 'logs'), { recursive: true });
  }
  get logDir() {
    return join(this.root, 'logs');
  }
  get stateDir() {
    return join(this.root, 'logs/.proxy');
  }

  /** Runs step i's shell command through the real entrypoint (after step i-1, like a pod). */
  step(i: number, script: string): ChildProcess {
    const args = [
      'entrypoint',
      '-post_file',
      join(this.root, `run/${i}/out`),
      '-log_dir',
      this.logDir,
      '-step_index',
      String(i),
      '-step_name',
      this.steps[i],
      '-termination_path',
      join(this.root, `run/${i}/termination`),
    ];
    if (i > 0) args.push('-wait_file', join(this.root, `run/${i - 1}/out`));
    return spawn(AGENT, [...args, '--', 'sh', '-c', script], { stdio: 'ignore', env: POD_ENV });
  }

  proxy(o: {
    collector?: string;
    token?: string;
    run: string;
    task: string;
    deadline?: string;
    stateDir?: string;
    /** More flags, e.g. -spool_limit. */
    args?: string[];
  }): ChildProcess & { stderrText: () => string } {
    const args = [
      'log-proxy',
      '-run_dir',
      join(this.root, 'run'),
      '-log_dir',
      this.logDir,
      '-steps',
      this.steps.join(','),
      '-pipeline_run',
      o.run,
      '-task_run',
      o.task,
    ];
    if (o.collector) args.push('-collector', o.collector);
    if (o.token) {
      writeFileSync(join(this.root, 'token'), o.token);
      args.push('-token_file', join(this.root, 'token'));
    }
    if (o.deadline) args.push('-deadline', o.deadline);
    if (o.stateDir) args.push('-state_dir', o.stateDir);
    args.push(...(o.args ?? []));
    const p = spawn(AGENT, args, { stdio: ['ignore', 'ignore', 'pipe'], env: POD_ENV });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    return Object.assign(p, { stderrText: () => err });
  }

  /** The proxy's acked seq of step i (0 before its first ack). */
  ackedSeq(i: number): number {
    return readPositionFile(join(this.stateDir, `${i}.position`))?.seq ?? 0;
  }
}

/** Peak resident memory (VmHWM) of a live process, in bytes; 0 once it has gone. */
export function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A node one-liner printing `line 0` … `line N-1` in chunks, so it runs for a while. */
export function numberedLines(n: number): string {
  const js =
    `let i=0;(function f(){let s='';for(let k=0;k<2000&&i<${n};k++)s+='line '+(i++)+'\\n';` +
    `if(i<${n})process.stdout.write(s,()=>setTimeout(f,5));else process.stdout.write(s)})()`;
  return `${JSON.stringify(process.execPath)} -e "${js}"`;
}
