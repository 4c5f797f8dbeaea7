// Reporting runs to a collector and reading history back.
export { CollectorClient, type ApprovalAnswer } from './http-client.js';
export { collectorApprovals } from './approval-wait.js';
export { collectorReporter } from './reporter.js';
export { connectReader, type ConnectOptions } from './connect.js';
export type { LogLine, RunReader, RunSummaryAnswer, SearchHitAnswer } from './reader.js';
export { CollectorUnreachable, CollectorRequestFailed } from './errors.js';
