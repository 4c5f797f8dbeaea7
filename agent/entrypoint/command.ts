// `kiln-agent entrypoint`: wires the real adapters to the sequencing core. runStep is shared with
// `kiln-agent host` (agent/host/), which runs many steps in one process, each with its own streams,
// signals, directory and environment.
import type { Writable } from 'node:stream';
import { spoolFileIn } from '../../contract/index.js';
import { runEntrypoint, type ResultStore, type Waiter } from './core.js';
import { nodeAgentFs, nodePostWriter } from './fs-adapters.js';
import { FsWaiter } from './fs-waiter.js';
import { parseEntrypointArgs, type EntrypointOptions } from './options.js';
import { ProcessRunner, type SignalSource } from './process-runner.js';
import { watchSettle } from './settle-watch.js';
import { warmUp } from './warm-up.js';
import { SpoolFile } from './spool-file.js';
import { StepResultsRunner, stepResultReader } from './step-results.js';
import { StepWhenRunner } from './step-when.js';
import { onParentDeath, stopTaskRun } from '../parent-watch.js';

/** Where one step's agent meets the world: the agent's own process, or its share of `kiln-agent host`. */
export interface StepWorld {
  stdout: Writable;
  stderr: Writable;
  /** Where the signals meant for this step's agent arrive. */
  signals: SignalSource;
  waiter: Waiter;
  /** The command's directory and environment; absent: the agent's own. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The command's stdin: the agent's own (a pod), or none (the host runner's stdin is its runtime's). */
  stdin?: 'inherit' | 'ignore';
}

export async function entrypointCommand(argv: string[]): Promise<number> {
  const opts = parseEntrypointArgs(argv);
  // The parent's death stops the step as a SIGTERM from it would (forwarded to the step's group),
  // and the rest of the task run, setsid descendants included; SIGKILL after the grace.
  if (opts.exitWithParent)
    onParentDeath(() => {
      process.kill(process.pid, 'SIGTERM');
      stopTaskRun(opts.timeoutGraceMs, 143);
    });
  // Only a step that waits gains: the compile then falls in the wait instead of on the hand-off.
  if (opts.waitFiles.length > 0) await warmUp();
  return runStep(opts, { stdout: process.stdout, stderr: process.stderr, signals: process, waiter: new FsWaiter() });
}

/** One step, start to end: resolves to the exit code its agent ends with. */
export async function runStep(opts: EntrypointOptions, world: StepWorld): Promise<number> {
  const spool = new SpoolFile(spoolFileIn(opts.logDir, opts.stepIndex));
  const runner = new ProcessRunner({
    spool,
    stdout: world.stdout,
    stderr: world.stderr,
    signalSource: world.signals,
    cwd: world.cwd,
    env: world.env,
    stdin: world.stdin,
    stdoutPath: opts.stdoutPath,
    stderrPath: opts.stderrPath,
    ...(opts.settledFile && { onSpawn: (child) => watchSettle(child, opts.settledFile!) }),
  });
  const label = opts.stepName ? `kiln-agent [${opts.stepName}]` : 'kiln-agent';
  const warn = (message: string) => {
    const line = `${label}: ${message}\n`;
    world.stderr.write(line);
    spool.note('e', line);
  };
  // Loaded only for a step with a cache: the others start without tar and the stores.
  const cachingRunner = opts.cache
    ? new (await import('../cache/step.js')).CachingRunner(runner, opts.cache, warn, world.env, world.cwd)
    : runner;
  const resultsRunner = opts.stepResults
    ? new StepResultsRunner(cachingRunner, opts.stepResults, opts.stepName, opts.resultsDir, warn, world.env)
    : cachingRunner;
  const stepRunner = opts.when?.length
    ? new StepWhenRunner(
        resultsRunner,
        opts.when,
        opts.stepResults && stepResultReader(opts.stepResults.stepsDir, warn),
      )
    : resultsRunner;
  const results = opts.resultsStore && lazyResultStore(opts.resultsStore);
  try {
    const result = await runEntrypoint(opts, {
      waiter: world.waiter,
      runner: stepRunner,
      post: nodePostWriter,
      fs: nodeAgentFs,
      clock: { now: () => new Date() },
      results,
      warn,
    });
    return result.exitCode;
  } catch (err) {
    // Whatever went wrong, the steps after this one must not wait forever: mark this one failed.
    if (opts.postFile) await nodePostWriter.writePost(opts.postFile, false).catch(() => undefined);
    throw err;
  } finally {
    spool.close();
  }
}

/**
 * The collector as result store, loaded on the first result that does not fit the termination
 * message: loading undici costs a step ~55 ms of start-up, and almost every step has no such result.
 */
function lazyResultStore(o: { url: string; tokenFile: string }): ResultStore {
  let store: Promise<ResultStore> | undefined;
  return {
    put: async (name, value) =>
      (await (store ??= import('./result-store.js').then((m) => new m.HttpResultStore(o.url, o.tokenFile)))).put(
        name,
        value,
      ),
  };
}
