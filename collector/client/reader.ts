// What the CLI's read commands (runs, logs, search) need, from a collector over HTTP or straight
// from the local store file when no collector is named.
import type { RunRecord } from '../../contract/index.js';

export interface LogLine {
  task: string;
  step: string;
  stream: 'stdout' | 'stderr';
  seq: number;
  time: number;
  text: string;
}

/** How a follower over the network tells about a lost connection (a local store has none). */
export interface FollowHooks {
  /** Called before each attempt to connect again, with why the last connection ended. */
  onReconnect?: (why: unknown) => void;
  /** Fail after this long without a working connection (default 60 s). */
  giveUpAfterMs?: number;
}

export interface LogSelector {
  task?: string;
  step?: string;
}

export interface LogPageAnswer {
  lines: LogLine[];
  next: string | null;
}

export interface RunSummaryAnswer {
  id: string;
  pipeline: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
}

export interface SearchHitAnswer extends LogLine {
  run: string;
}

export interface RunReader {
  listRuns(q: {
    pipeline?: string;
    status?: string;
    limit?: number;
    cursor?: string;
  }): Promise<{ runs: RunSummaryAnswer[]; next: string | null }>;
  getRun(id: string): Promise<RunRecord | null>;
  /** `tail`: the last N lines of the selection instead of the first. */
  readLogs(runId: string, sel: LogSelector & { from?: string; limit?: number; tail?: number }): Promise<LogPageAnswer>;
  followLogs(runId: string, sel: LogSelector, hooks?: FollowHooks): AsyncGenerator<LogLine>;
  search(text: string, runId?: string): Promise<SearchHitAnswer[]>;
  close?(): Promise<void>;
}
