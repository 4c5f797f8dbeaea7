// A task run's Tekton sidecars on the host engine: each a `kiln-agent entrypoint` process of its own
// (its output spooled as the step after the last one, and shipped by the log proxy under the task),
// started before the steps; the steps get their go-ahead once every sidecar is ready (probes.ts) or
// has ended; once the steps have ended, each gets SIGTERM, then SIGKILL.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ERR_SUFFIX, KILN_ROOT, type KilnPaths } from '../../contract/index.js';
import {
  hasProbes,
  stepWorkspaces,
  type ResolvedSidecar,
  type ResolvedStep,
  type SidecarEnd,
} from '../../engine/index.js';
import { stepArgv } from './commands.js';
import { spawnAgents, type StepAgents } from './agents.js';
import { awaitSidecar, readiness, type ExecProbe, type SidecarsReady } from './probes.js';

export interface SidecarLaunch {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** What an exec probe's command is run under: the sidecar's sandbox under --isolate (it sees the sidecar's paths). */
  probePrefix: string[];
}

/**
 * Each sidecar's agent command line, directory and environment: the step after the last one in the
 * layout, started at once; in the sandbox under --isolate, seeing only its workspaces.
 */
/** Sidecar j's /tmp in the sandbox (--isolate), shared with its exec probes' sandboxes. */
export const sidecarTmpDir = (taskRunDir: string, j: number) => join(taskRunDir, 'sidecar-tmp', String(j));

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
  /** The sandbox's argv prefix; `tmp`: the host directory at its /tmp. */
  sandbox(dirs: Record<string, string>, cwd: string, tmp: string): string[];
  /** Outside the sandbox: what binds the read-only workspaces' views (read-only-views.ts), or nothing. */
  views: string[];
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
      settledFile: hasProbes(s) ? undefined : o.paths.settledFile(o.steps.length + j),
      exitWithParent: !o.isolate,
    });
    // In the sandbox the task run's directory is at /kiln, as for a step without a workspace.
    const cwd =
      s.workingDir ??
      (seen[0] ? (o.isolate ? `/workspace/${seen[0]}` : dirs[seen[0]]!) : o.isolate ? KILN_ROOT : o.root);
    const env = { ...o.env, ...s.env };
    if (!o.isolate) return { argv: [...o.views, ...args], cwd, env, probePrefix: o.views };
    // Its exec probes run in a sandbox of their own (as beside a container): the same /tmp, a
    // directory of the task run (made with the task run's others: bwrap binds only what exists),
    // lets them see its files.
    const sandbox = o.sandbox(dirs, cwd, sidecarTmpDir(o.root, j));
    return { argv: [...sandbox, ...args], cwd: '/', env, probePrefix: sandbox };
  });
}

export class HostSidecars {
  private readonly exited: Promise<void>[] = [];
  private agents: StepAgents | undefined;
  private readonly running: boolean[];
  /** Set once stop() is called: a sidecar ending after that was stopped, not failed. */
  private stopping = false;
  private readonly ends: ({ code: number | null; signal: string | null } | undefined)[] = [];
  private readonly why: (string | undefined)[] = [];

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
        ended: (i, code, signal) => {
          this.running[i] = false;
          // The agent exits 0 once it posted; the sidecar's own code is in its exitCode file.
          if (!this.stopping && !this.ends[i]) this.ends[i] = { code: this.exitCodeOf(i) ?? code, signal };
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

  /**
   * Resolves once every sidecar is ready or has ended (Tekton counts an ended sidecar as ready: the
   * steps run, and withSidecarFailure fails the task run if it failed), or `stopped` says so. A
   * sidecar whose startupProbe gives it up is killed, as the kubelet does. Returns the sidecars
   * never ready, and those without probes that never settled.
   */
  async ready(stopped: () => boolean): Promise<SidecarsReady> {
    const outcomes = await Promise.all(
      this.o.sidecars.map(async (s, i) => {
        const where = this.o.launches[i]!;
        const exec: ExecProbe = (command, timeoutMs) => runProbe(command, where, timeoutMs);
        const settled = this.o.paths.settledFile(this.o.firstIndex + i);
        const outcome = await awaitSidecar(s, exec, () => this.running[i]! && !stopped(), settled);
        if (!outcome.ready && outcome.failed) {
          this.why[i] = outcome.failed;
          // Its end is known now: a quick step may be over before the kill's own event comes.
          this.ends[i] = { code: null, signal: 'SIGKILL' };
          this.agents?.signal('SIGKILL', [i]);
        }
        return outcome;
      }),
    );
    return readiness(this.o.sidecars, outcomes);
  }

  /** SIGTERM to every sidecar's process group, SIGKILL after the grace; resolves once all are gone. */
  async stop(): Promise<void> {
    if (!this.agents) return;
    this.stopping = true;
    this.agents.signal('SIGTERM');
    const kill = setTimeout(() => this.agents!.signal('SIGKILL'), this.o.killGraceMs);
    await Promise.all(this.exited);
    clearTimeout(kill);
  }

  private exitCodeOf(i: number): number | undefined {
    try {
      const text = readFileSync(join(this.o.paths.stepMetadataDir(this.o.firstIndex + i), 'exitCode'), 'utf8');
      return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : undefined;
    } catch {
      return undefined;
    }
  }

  /** The sidecars that ended on their own (before stop()), and how. */
  endedEarly(): SidecarEnd[] {
    return this.ends.flatMap((e, i) => (e ? [{ name: this.o.sidecars[i]!.name, ...e, why: this.why[i] }] : []));
  }
}

function runProbe(command: string[], where: SidecarLaunch, timeoutMs: number): Promise<boolean> {
  const [file, ...args] = [...where.probePrefix, ...command];
  return new Promise((resolve) => {
    const child = spawn(file!, args, { cwd: where.cwd, env: where.env, stdio: 'ignore', timeout: timeoutMs });
    child.once('error', () => resolve(false));
    child.once('close', (code) => resolve(code === 0));
  });
}
