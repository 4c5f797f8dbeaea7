// Storing a batch of log lines, one way for both writers: POST /v1/logs (a log proxy's batches,
// checked against its run token) and `kiln run`, whose own lines reach its embedded collector as a
// call in the same process (runtimes/host/in-process-logs.ts) rather than over loopback HTTP.
import type { EventEmitter } from 'node:events';
import { FollowBudget } from './follow-budget.js';
import { timed, type CollectorMetrics } from './metrics.js';
import type { IngestInput, StepAck, Store } from './store/types.js';

export interface LogIngest {
  /** Stores the batch, counts it and wakes the run's followers; answers each step's next seq. */
  ingest(batch: IngestInput): Promise<StepAck[]>;
  /** Followers' share of the loop while lines are being ingested. */
  followBudget: FollowBudget;
}

export function logIngest(
  store: Store,
  metrics: CollectorMetrics,
  changes: EventEmitter,
  followShare: number,
): LogIngest {
  const followBudget = new FollowBudget({ share: followShare });
  return {
    followBudget,
    async ingest(batch) {
      const acks = await timed(metrics, 'ingest', () => store.ingest(batch));
      metrics.batches.inc();
      metrics.lines.inc(batch.steps.reduce((n, s) => n + s.lines.heads.length, 0));
      followBudget.ingested();
      changes.emit(batch.pipelineRun);
      return acks;
    },
  };
}
