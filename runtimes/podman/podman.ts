// The podman command line as the engine calls it: one argv prefix (`podman` plus the global flags
// a machine needs, e.g. `--storage-driver vfs --runtime runc`) and one environment, for every call.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { PodmanError } from './errors.js';

export interface PodmanCommand {
  /** argv prefix: `['podman', …global flags]`. */
  argv: string[];
  env?: NodeJS.ProcessEnv;
}

/** `$KILN_PODMAN` split on blanks (a podman path and global flags), else plain `podman`. */
export function podmanFromEnv(env: NodeJS.ProcessEnv = process.env): PodmanCommand {
  const words = (env.KILN_PODMAN ?? '').split(/\s+/).filter(Boolean);
  return { argv: words.length ? words : ['podman'], env };
}

export class Podman {
  constructor(readonly cmd: PodmanCommand) {}

  /** Runs one podman command to its end; a non-zero exit is a PodmanError carrying its stderr. */
  run(args: string[], timeoutMs = 300_000): Promise<string> {
    const argv = [...this.cmd.argv, ...args];
    return new Promise((done, fail) => {
      execFile(
        argv[0]!,
        argv.slice(1),
        { env: this.cmd.env, timeout: timeoutMs, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => {
          if (!err) return done(stdout);
          const why = stderr.trim() || err.message;
          fail(new PodmanError(`podman ${args[0]} ${args[1] ?? ''} failed: ${why}`.trim(), argv, stderr));
        },
      );
    });
  }

  /** A long-lived podman command (`logs --follow`), its output piped. */
  spawn(args: string[]): ChildProcess {
    const argv = [...this.cmd.argv, ...args];
    return spawn(argv[0]!, argv.slice(1), { env: this.cmd.env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** For the last-resort stop when the CLI exits at once (a second Ctrl-C): no event loop left to wait on. */
  runSync(args: string[]): void {
    const argv = [...this.cmd.argv, ...args];
    spawnSync(argv[0]!, argv.slice(1), { env: this.cmd.env, stdio: 'ignore', timeout: 60_000 });
  }

  /** Whether podman can run containers here: `podman info` answers. */
  works(): boolean {
    const argv = [...this.cmd.argv, 'info', '--format', '{{.Host.OCIRuntime.Name}}'];
    const probe = spawnSync(argv[0]!, argv.slice(1), { env: this.cmd.env, stdio: 'ignore', timeout: 30_000 });
    return !probe.error && probe.status === 0;
  }
}
