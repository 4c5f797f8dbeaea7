// The RunReporter that sends the run record to a collector: POST on start, PATCH after.
import type { RunRecord, RunReporter } from '../../contract/index.js';
import { CollectorClient } from './http-client.js';

export function collectorReporter(client: CollectorClient, runToken: string): RunReporter {
  return {
    async runStarted(record: RunRecord) {
      await client.postRun(record, runToken);
    },
    async runUpdated(record: RunRecord) {
      await client.patchRun(record, runToken);
    },
    async runFinished(record: RunRecord) {
      await client.patchRun(record, runToken);
    },
  };
}
