// The engine's source of approval decisions (engine/ ApprovalSource, by shape): long polls of the
// collector with the run's token, each held until the decision is stored or 45 s pass. A collector
// that cannot be reached is asked again after a growing pause: a wait of hours outlives restarts.
import { MAX_APPROVAL_WAIT_S } from '../approvals/limits.js';
import type { CollectorClient } from './http-client.js';

export interface ApprovalVerdictAnswer {
  decision: 'approved' | 'rejected';
  by: string;
  at: string;
  comment?: string;
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

export function collectorApprovals(client: CollectorClient, runToken: string) {
  return {
    async wait(run: string, task: string, signal: AbortSignal): Promise<ApprovalVerdictAnswer> {
      let retryMs = 500;
      for (;;) {
        signal.throwIfAborted();
        let answer;
        try {
          answer = await client.approval(run, task, { waitS: MAX_APPROVAL_WAIT_S, token: runToken, signal });
          retryMs = 500;
        } catch (err) {
          if (signal.aborted) throw err;
          await pause(retryMs, signal);
          retryMs = Math.min(retryMs * 2, 30_000);
          continue;
        }
        const { decision, by, at, comment } = answer.approval;
        if ((decision === 'approved' || decision === 'rejected') && by && at)
          return { decision, by, at, ...(comment ? { comment } : {}) };
        // Nothing can decide on a run the collector holds as ended: waiting on would spin.
        if (answer.runStatus !== 'Running')
          throw new Error(`the collector holds run ${run} as ${answer.runStatus}: no decision can come`);
      }
    },
  };
}
