// Large task results, agent → collector (beside the log batches of kiln.proto): a step's agent
// PUTs a result too large for its termination message to `<collector><path>/<name>` with the run
// token, and the engine GETs it back. Plain bytes, so there is nothing for protobuf to frame.

/** Where a task run's stored results live. */
export const taskRunResultsPath = (run: string, taskRun: string) =>
  `/v1/runs/${encodeURIComponent(run)}/taskruns/${encodeURIComponent(taskRun)}/results`;

/** The same under a collector's base URL: what an agent's `-results_url` is given. */
export const taskRunResultsUrl = (collectorUrl: string, run: string, taskRun: string) =>
  collectorUrl.replace(/\/+$/, '') + taskRunResultsPath(run, taskRun);
