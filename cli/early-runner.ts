// `kiln run`'s `kiln-agent host`, started by the launcher (cli/launch.ts) before it reads, compiles
// and evaluates the CLI bundle: the runner's own Node start (≈40 ms) then overlaps those ≈30 ms too,
// not only the reading of the pipeline files. The launcher looks at the arguments only as far as it
// must: kiln run adopts the runner only if it is the one it would have started itself (the same
// agent and environment), and lets it go otherwise; one not adopted sees its stdin close when this
// process ends, and exits.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { agentInDist, isTls, runnerProcessEnv, spawnHostRunner } from '../contract/proc/index.js';

export interface EarlyRunner {
  child: ChildProcess;
  agent: string[];
  env: Record<string, string | undefined>;
}

const SLOT = Symbol.for('kiln.earlyRunner');
type Slot = { [SLOT]?: EarlyRunner };

/** kiln run's own run marker for its early runner: no run's name has a colon. */
export const earlyRunnerMarker = (pid: number = process.pid) => `kiln-run:${pid}`;

/** The value of `--name VALUE` or `--name=VALUE` (the last one given), as commander reads it. */
function flagValue(args: string[], name: string): string | undefined {
  let value: string | undefined;
  args.forEach((a, i) => {
    if (a === name) value = args[i + 1];
    else if (a.startsWith(`${name}=`)) value = a.slice(name.length + 1);
  });
  return value;
}

/** The agent locateAgent() would find: $KILN_AGENT, else beside the launcher in dist/. */
const agentFor = (distDir: string, env: NodeJS.ProcessEnv): string[] | undefined =>
  env.KILN_AGENT ? (existsSync(env.KILN_AGENT) ? [env.KILN_AGENT] : undefined) : agentInDist(distDir);

/** Starts the runner when `argv` (after `kiln`) is a `kiln run` that may use the host engine. */
export function startEarlyRunner(argv: string[], distDir: string, env: NodeJS.ProcessEnv = process.env): void {
  const options = argv.slice(1, argv.includes('--') ? argv.indexOf('--') : undefined);
  if (argv[0] !== 'run' || options.includes('--isolate') || options.includes('--help') || options.includes('-h'))
    return;
  const engine = flagValue(options, '--engine');
  if (engine !== undefined && engine !== 'host') return;
  const agent = agentFor(distDir, env);
  if (!agent) return;
  const runnerEnv = runnerProcessEnv(
    env,
    earlyRunnerMarker(),
    isTls(flagValue(options, '--collector') || env.KILN_COLLECTOR),
  );
  let child: ChildProcess;
  try {
    child = spawnHostRunner(agent, runnerEnv);
  } catch {
    return; // kiln run starts its runner itself, and says what fails
  }
  child.on('error', () => undefined); // reported by kiln run's own runner, if it comes to that
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as ({ unref?(): void } | null)[])
    handle?.unref?.();
  (globalThis as Slot)[SLOT] = { child, agent, env: runnerEnv };
}

const sameEnv = (a: Record<string, string | undefined>, b: Record<string, string | undefined>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/**
 * The runner the launcher started, if it is the one kiln run would start now: the same agent and
 * environment (the settings file, read since, may have added to it; the collector may be https).
 * Any other (or any, when kiln run wants none: `wanted` undefined) is let go. At most once.
 */
export function claimEarlyRunner(wanted?: {
  agent: string[];
  env: Record<string, string | undefined>;
}): EarlyRunner | undefined {
  const slot = globalThis as Slot;
  const early = slot[SLOT];
  delete slot[SLOT];
  if (!early) return undefined;
  const same =
    wanted !== undefined &&
    early.agent.join('\0') === wanted.agent.join('\0') &&
    sameEnv(early.env, wanted.env) &&
    early.child.exitCode === null &&
    early.child.signalCode === null;
  if (same) return early;
  early.child.stdin?.end();
  return undefined;
}
