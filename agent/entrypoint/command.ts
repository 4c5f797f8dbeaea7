// `kiln-agent entrypoint`: wires the real adapters to the sequencing core.
import { spoolFileIn } from '../../contract/index.js';
import { runEntrypoint, type ResultStore } from './core.js';
import { nodeAgentFs, nodePostWriter } from './fs-adapters.js';
import { FsWaiter } from './fs-waiter.js';
import { parseEntrypointArgs } from './options.js';
import { ProcessRunner } from './process-runner.js';
import { SpoolFile } from './spool-file.js';
import { onParentDeath, stopTaskRun } from '../parent-watch.js';

export async function entrypointCommand(argv: string[]): Promise<number> {
  const opts = parseEntrypointArgs(argv);
  const spool = new SpoolFile(spoolFileIn(opts.logDir, opts.stepIndex));
  const runner = new ProcessRunner({ spool, stdout: process.stdout, stderr: process.stderr });
  const label = opts.stepName ? `kiln-agent [${opts.stepName}]` : 'kiln-agent';
  const warn = (message: string) => {
    const line = `${label}: ${message}\n`;
    process.stderr.write(line);
    spool.note('e', line);
  };
  // The parent's death stops the step as a SIGTERM from it would (forwarded to the step's group),
  // and the rest of the task run, setsid descendants included; SIGKILL after the grace.
  if (opts.exitWithParent)
    onParentDeath(() => {
      process.kill(process.pid, 'SIGTERM');
      stopTaskRun(opts.timeoutGraceMs, 143);
    });
  // Loaded only for a step with a cache: the others start without tar and the stores.
  const stepRunner = opts.cache
    ? new (await import('../cache/step.js')).CachingRunner(runner, opts.cache, warn)
    : runner;
  const results = opts.resultsStore && lazyResultStore(opts.resultsStore);
  try {
    const result = await runEntrypoint(opts, {
      waiter: new FsWaiter(),
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
