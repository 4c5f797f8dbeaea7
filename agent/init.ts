// `kiln-agent init DEST`: copies the running agent into a tools volume (the Kubernetes init
// container's job): DEST/bin/kiln-agent, and DEST/lib/ when running from the portable tree whose
// binary loads its own glibc from ../lib.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AgentUsageError } from './errors.js';
import { kilnPaths } from '../contract/index.js';

export interface AgentLocation {
  /** The file to copy: the SEA binary, or the bundled script under plain node. */
  executable: string;
  /** The portable tree's library directory, when the executable sits in one. */
  libDir?: string;
}

export async function locateRunningAgent(): Promise<AgentLocation> {
  const sea = await import('node:sea').catch(() => undefined);
  const executable = sea?.isSea() ? process.execPath : resolve(process.argv[1] ?? '');
  const binDir = dirname(executable);
  const libDir = join(binDir, '..', 'lib');
  const portable =
    basename(binDir) === 'bin' && existsSync(libDir) && readdirSync(libDir).some((f) => f.startsWith('ld-linux'));
  return { executable, libDir: portable ? libDir : undefined };
}

/** Copies through a temporary name, so a step never starts a half-written agent. */
function copyExecutable(from: string, to: string, mode: number): void {
  const tmp = `${to}.tmp-${process.pid}`;
  copyFileSync(from, tmp);
  chmodSync(tmp, mode);
  renameSync(tmp, to);
}

export function installAgent(agent: AgentLocation, dest: string): string[] {
  const paths = kilnPaths(dest);
  const copied: string[] = [];
  mkdirSync(paths.binDir, { recursive: true });
  copyExecutable(agent.executable, paths.agent, 0o755);
  copied.push(paths.agent);
  if (agent.libDir) {
    mkdirSync(paths.libDir, { recursive: true });
    for (const lib of readdirSync(agent.libDir)) {
      copyExecutable(join(agent.libDir, lib), join(paths.libDir, lib), 0o755);
      copied.push(join(paths.libDir, lib));
    }
  }
  return copied;
}

export async function initCommand(argv: string[]): Promise<number> {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    const what = argv.find((a) => a.startsWith('-'));
    throw new AgentUsageError(
      what ? `unknown flag ${what} for init (usage: kiln-agent init DEST)` : 'usage: kiln-agent init DEST',
      what,
    );
  }
  const copied = installAgent(await locateRunningAgent(), resolve(argv[0]));
  process.stdout.write(`kiln-agent: installed ${copied.length} file(s) into ${argv[0]}\n`);
  return 0;
}
