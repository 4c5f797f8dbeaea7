// `kiln cancel RUN`: a local run is cancelled as Ctrl-C would (SIGINT to its `kiln run`, found by
// the pid and host its record carries); a run elsewhere is refused, saying why: the collector
// keeps history and cannot stop anything.
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { KilnError, runProcessOf } from '../../contract/index.js';
import { kilnProcessAlive } from '../../collector/index.js';
import { withReader, withReaderOptions } from '../reader-options.js';
import { requireRun } from './get.js';

/** A run `kiln cancel` cannot stop from here. Exit 1. */
export class CannotCancel extends KilnError {
  readonly code = 'cannot-cancel';
  readonly exitCode = 1;
  constructor(
    readonly run: string,
    why: string,
    readonly hint?: string,
  ) {
    super(`cannot cancel ${run}: ${why}`);
  }
}

export function registerCancel(program: Command): void {
  withReaderOptions(program.command('cancel').description('cancel a running local run (as Ctrl-C in its kiln run)'))
    .argument('<run>', 'pipeline run id')
    .action(async (id: string, f: { collector?: string; token?: string; db?: string }) => {
      const run = await withReader(f, (r) => requireRun(r, id));
      if (run.status === 'Queued')
        throw new CannotCancel(
          id,
          'it waits in the queue of kiln serve and has not started',
          'a newer delivery of its concurrency group supersedes it (cancelInProgress)',
        );
      if (run.status !== 'Running') throw new CannotCancel(id, `it has already ended (${run.status})`);
      const proc = runProcessOf(run);
      if (!proc)
        throw new CannotCancel(
          id,
          'its record names no local kiln process, and the collector has no cancel',
          'a cluster run is cancelled with kubectl (delete its PipelineRun)',
        );
      if (proc.host !== hostname())
        throw new CannotCancel(
          id,
          `it runs on ${proc.host} (kiln pid ${proc.pid}), and the collector has no cancel`,
          `run \`kiln cancel ${id}\` on ${proc.host}`,
        );
      if (!kilnProcessAlive(proc.pid)) throw new CannotCancel(id, `its kiln process (pid ${proc.pid}) is gone`);
      process.kill(proc.pid, 'SIGINT');
      process.stdout.write(`cancelling ${id}: sent SIGINT to kiln run (pid ${proc.pid})\n`);
    });
}
