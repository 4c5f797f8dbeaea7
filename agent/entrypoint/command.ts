// `kiln-agent entrypoint`: wires the real adapters to the sequencing core.
import { spoolFileIn } from '../protocol.js';
import { runEntrypoint } from './core.js';
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
  // Loaded only for a step with a cache: the others start without tar and the stores.
  const stepRunner = opts.cache ? new (await import('../cache/step.js')).CachingRunner(runner, opts.cache, warn) : runner;
  try {
    const result = await runEntrypoint(opts, {
      waiter: new FsWaiter(),
      runner: stepRunner,
      post: nodePostWriter,
      fs: nodeAgentFs,
      clock: { now: () => new Date() },
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
