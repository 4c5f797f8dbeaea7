// What becomes of a local pipeline run's directories: an ended task run's goes as soon as its logs
// are delivered, rather than with the run (its thirty-odd files are unlinked while later task runs
// go on, not all at the end: on a busy disk each unlink waits for the journal, ≈200 ms at the end of
// a 20-task run); the run's own goes at its cleanup. Kept: every one with --keep, and a run's whole
// directory when any of its task runs holds undelivered logs (the spools).
import { rm } from 'node:fs/promises';
import { runDirOf } from './layout.js';

/**
 * A runner may still be winding a cancelled task run's agents down (a step stopped while it waited
 * reports its end at once) when its directory goes: an entry made while the tree is walked fails
 * the walk with ENOTEMPTY, which rm retries (CI saw it fail a cleanup once).
 */
const REMOVE = { recursive: true, force: true, maxRetries: 5, retryDelay: 20 } as const;

export class RunDirs {
  /** Pipeline runs with undelivered logs: their directories are kept. */
  private undelivered = new Set<string>();
  /** Each pipeline run's task run directories being removed. */
  private removals = new Map<string, Promise<void>[]>();

  constructor(
    private baseDir: string,
    private keep: boolean,
  ) {}

  /** A task run has ended, its shipping too: `delivered` says whether every line reached the collector. */
  taskRunEnded(pipelineRun: string, root: string, delivered: boolean): void {
    if (!delivered) this.undelivered.add(pipelineRun);
    else if (!this.keep) {
      const removing = rm(root, REMOVE).catch(() => undefined);
      this.removals.set(pipelineRun, [...(this.removals.get(pipelineRun) ?? []), removing]);
    }
  }

  /** Once the pipeline run has ended: its task runs' removals finished, then its own directory. */
  async cleanup(pipelineRun: string): Promise<void> {
    await Promise.all(this.removals.get(pipelineRun) ?? []);
    this.removals.delete(pipelineRun);
    if (this.keep || this.undelivered.has(pipelineRun)) return;
    await rm(runDirOf(this.baseDir, pipelineRun), REMOVE);
  }
}
