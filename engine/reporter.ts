// Where the driver sends the run record as it changes: the collector plugs in here
// (POST /v1/runs on start, PATCH on updates and at the end). Calls are made in order.
import type { RunRecord } from '../contract/record.js';

export interface RunReporter {
  runStarted(record: RunRecord): void | Promise<void>;
  runUpdated(record: RunRecord): void | Promise<void>;
  runFinished(record: RunRecord): void | Promise<void>;
}

export const noopReporter: RunReporter = {
  runStarted() {},
  runUpdated() {},
  runFinished() {},
};
