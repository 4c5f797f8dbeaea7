// A task run's Tekton sidecars on the host engine: each a `kiln-agent entrypoint` process of its own
// (its output spooled as the step after the last one, and shipped by the log proxy under the task),
// started before the steps; the steps get their go-ahead once every sidecar's readinessProbe
// succeeds (at once without one); once the steps have ended, each gets SIGTERM, then SIGKILL.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { connect } from 'node:net';
import { ERR_SUFFIX, type KilnPaths } from '../../contract/index.js';
import { stepWorkspaces, type ResolvedSidecar, type ResolvedStep } from '../../engine/index.js';
import { stepArgv } from './commands.js';
import { spawnAgents, type StepAgents } from './agents.js';
import { LocalRuntimeError } from './errors.js';

/** Without periodSeconds, a probe is tried again this soon (Kubernetes' default of 10 s is for clusters). */
const LOCAL_PERIOD_MS = 100;

export interface SidecarLaunch {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
}

interface Probe {
  exec?: { command?: string[] };
  tcpSocket?: { port?: number | string; host?: string };
  httpGet?: { port?: number | string; path?: string; host?: string; scheme?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
}

/** The probe as the host can run it, or a refusal naming what it cannot honour. */
export function checkProbe(taskRun: string, sidecar: ResolvedSidecar): void {
  const p = sidecar.readinessProbe as Probe | undefined;
  const port = p?.tcpSocket?.port ?? p?.httpGet?.port;
  const refuse = (what: string, hint: string) => {
    throw new LocalRuntimeError(`task run ${taskRun}: sidecar "${sidecar.name}": ${what}`, taskRun, hint);
  };
  if (port !== undefined && typeof port !== 'number')
    refuse(`the readinessProbe names port "${port}", which only a Pod resolves`, 'give the port number');
  if (p?.httpGet?.scheme === 'HTTPS')
    refuse('an HTTPS readinessProbe is not run locally', 'probe with exec or tcpSocket');
  if (p?.exec && !p.exec.command?.length) refuse('the readinessProbe has an empty exec command', 'give exec.command');
}

/**
 * Each sidecar's agent command line, directory and environment: the step after the last one in the
 * layout, started at once; in the sandbox under --isolate, seeing only its workspaces.
 */
export function sidecarLaunches(o: {
  steps: ResolvedStep[];
  sidecars: ResolvedSidecar[];
  workspaces: { name: string }[];
  agent: string[];
  paths: KilnPaths;
  root: string;
  hostDirs: Record<string, string>;
  isolate: boolean;
  env: Record<string, string | undefined>;
  sandbox(dirs: Record<string, string>, cwd: string): string[];
}): SidecarLaunch[] {
  const all = [...o.steps, ...o.sidecars];
  return o.sidecars.map((s, j) => {
    const seen = stepWorkspaces(s, all, o.workspaces).map((w) => w.name);
    const dirs = Object.fromEntries(seen.map((name) => [name, o.hostDirs[name]!]));
    // Outside a sandbox (whose bwrap dies with its parent) the agent watches for kiln run's death.
    const args = stepArgv({
      agent: o.agent,
      paths: o.paths,
      index: o.steps.length + j,
      step: s,
      results: [],
      noWait: true,
      exitWithParent: !o.isolate,
    });
    const cwd = s.workingDir ?? (seen[0] ? (o.isolate ? `/workspace/${seen[0]}` : dirs[seen[0]]!) : o.root);
    const env = { ...o.env, ...s.env };
    return o.isolate ? { argv: [...o.sandbox(dirs, cwd), ...args], cwd: '/', env } : { argv: args, cwd, env };
  });
}

export class HostSidecars {
  private readonly exited: Promise<void>[] = [];
  private agents: StepAgents | undefined;
  private readonly running: boolean[];

  constructor(
    private readonly o: {
      sidecars: ResolvedSidecar[];
      /** The first sidecar's index in the task run's layout (the number of steps). */
      firstIndex: number;
      paths: KilnPaths;
      launches: SidecarLaunch[];
      line(sidecar: number, stream: 'stdout' | 'stderr', line: string): void;
      killGraceMs: number;
    },
  ) {
    this.running = o.sidecars.map(() => false);
  }

  start(): void {
    const ends = this.o.sidecars.map(() => {
      let resolve!: () => void;
      this.exited.push(new Promise<void>((r) => (resolve = r)));
      return resolve;
    });
    this.agents = spawnAgents(
      this.o.launches.map((l) => l.argv),
      this.o.launches,
      {
        line: (i, stream, line) => this.o.line(i, stream, line),
        ended: (i) => {
          this.running[i] = false;
          // An agent killed before its post file: the log proxy waits for one to call the spool complete.
          const post = this.o.paths.postFile(this.o.firstIndex + i);
          // (One stopped before its agent had started has not even made its directory.)
          const mark =
            existsSync(post) || existsSync(post + ERR_SUFFIX)
              ? Promise.resolve()
              : mkdir(dirname(post), { recursive: true }).then(() => writeFile(post + ERR_SUFFIX, ''));
          void mark.catch(() => undefined).then(() => ends[i]!());
        },
      },
    );
    this.running.fill(true);
  }

  /** Resolves once every sidecar is ready; false when one ended first, or `stopped` said so. */
  async ready(stopped: () => boolean): Promise<boolean> {
    const results = await Promise.all(this.o.sidecars.map((s, i) => this.readyOne(s, i, stopped)));
    return results.every(Boolean);
  }

  /** SIGTERM to every sidecar's process group, SIGKILL after the grace; resolves once all are gone. */
  async stop(): Promise<void> {
    if (!this.agents) return;
    this.agents.signal('SIGTERM');
    const kill = setTimeout(() => this.agents!.signal('SIGKILL'), this.o.killGraceMs);
    await Promise.all(this.exited);
    clearTimeout(kill);
  }

  private async readyOne(sidecar: ResolvedSidecar, i: number, stopped: () => boolean): Promise<boolean> {
    const p = sidecar.readinessProbe as Probe | undefined;
    if (!p) return this.running[i]!;
    await sleep((p.initialDelaySeconds ?? 0) * 1000);
    const period = p.periodSeconds ? p.periodSeconds * 1000 : LOCAL_PERIOD_MS;
    const timeout = (p.timeoutSeconds ?? 1) * 1000;
    for (;;) {
      if (!this.running[i] || stopped()) return false;
      if (await probeOnce(p, this.o.launches[i]!, timeout)) return true;
      await sleep(period);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function probeOnce(p: Probe, where: SidecarLaunch, timeoutMs: number): Promise<boolean> {
  if (p.exec) {
    const [file, ...args] = p.exec.command!;
    return new Promise((resolve) => {
      const child = spawn(file!, args, { cwd: where.cwd, env: where.env, stdio: 'ignore', timeout: timeoutMs });
      child.once('error', () => resolve(false));
      child.once('close', (code) => resolve(code === 0));
    });
  }
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
