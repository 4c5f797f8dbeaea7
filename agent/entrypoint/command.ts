// `kiln-agent entrypoint`: wires the real adapters to the sequencing core.
import { spoolFileIn } from '../../contract/index.js';
import { runEntrypoint, type ResultStore } from './core.js';
import { nodeAgentFs, nodePostWriter } from './fs-adapters.js';
import { FsWaiter } from './fs-waiter.js';
import { parseEntrypointArgs } from './options.js';
import { ProcessRunner } from './process-runner.js';
import { SpoolFile } from './spool-file.js';

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
  if (opts.exitWithParent) watchParent();
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

/** How often the agent looks whether the process that started it is still there. */
const PARENT_CHECK_MS = 250;

/**
 * When the parent dies (the agent is re-parented, so its ppid changes), the agent signals itself
 * SIGTERM: while waiting that ends it, while the command runs the signal is forwarded to the
 * command's process group, exactly as a SIGTERM from the parent would be. Nothing is left running
 * after a `kiln run` killed with SIGKILL. Polling, because Linux tells a child of its parent's
 * death only through prctl(PR_SET_PDEATHSIG), which Node does not expose.
 */
function watchParent(): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, PARENT_CHECK_MS);
  timer.unref();
}
