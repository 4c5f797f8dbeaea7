// What one PipelineRun has of the collector: its id there, bound to namespace, name and UID
// (runtimes/kubernetes collectorRunId), a run token minted for that id, and every call to the
// collector made under it. The engine names records after the PipelineRun; here they take the
// collector's id, so same-named runs in two namespaces (or a run re-created under its name) never
// share a history, and one run's token is refused for another's.
import type { RunRecord, RunReporter, StoredResultRef } from '../contract/index.js';
import type { ApprovalSource } from '../engine/index.js';
import { runClaims, runPageUrl, type RunClaims } from '../collector/index.js';
import { collectorRunId, type PipelineRunResource } from '../runtimes/kubernetes/index.js';

/** The controller's collector: its URL and how to reach it with a run's token. */
export interface ControllerCollector {
  url: string;
  /** Mints a run's token, binding its id, pipeline, branch and namespace. */
  tokenFor(claims: RunClaims): string;
  reporterFor(run: string, token: string): RunReporter;
  /** Stores a finished record whole (idempotent: POST /v1/runs). */
  archive(record: RunRecord, token: string): Promise<void>;
  /** Reads a result a step stored at the collector (too large for its termination message). */
  storedResult(run: string, taskRun: string, ref: StoredResultRef, token: string): Promise<string>;
  /** The web UI's address for run links (default: url). */
  uiUrl?: string;
  /** Where a run's approval gates learn their decisions (no Pod waits on them). */
  approvals?(token: string): ApprovalSource;
}

export interface RunCollector {
  runId: string;
  /** For the engine input: passed on to every plan (the Pods' log proxy and result store). */
  input: { url: string; token: string; runId: string };
  runUrl: string;
  reporter: RunReporter;
  archive(record: RunRecord): Promise<void>;
  fetchResult(taskRun: string, ref: StoredResultRef): Promise<string>;
  approvals?: ApprovalSource;
}

export function runCollector(
  c: ControllerCollector,
  run: { namespace: string; name: string; uid: string },
  record: { name: string; params?: Record<string, unknown>; labels?: Record<string, string> },
): RunCollector {
  const runId = collectorRunId(run.namespace, run.name, run.uid);
  const token = c.tokenFor(runClaims({ ...record, id: runId }, run.namespace));
  const sent = c.reporterFor(runId, token);
  const bound = (r: RunRecord): RunRecord => ({ ...r, id: runId });
  const approvals = c.approvals?.(token);
  return {
    runId,
    input: { url: c.url, token, runId },
    runUrl: runPageUrl(c.uiUrl ?? c.url, runId),
    reporter: {
      runStarted: (r) => sent.runStarted(bound(r)),
      runUpdated: (r) => sent.runUpdated(bound(r)),
      runFinished: (r) => sent.runFinished(bound(r)),
    },
    archive: (r) => c.archive(bound(r), token),
    fetchResult: (taskRun, ref) => c.storedResult(runId, taskRun, ref, token),
    approvals: approvals && { wait: (_run, task, signal) => approvals.wait(runId, task, signal) },
  };
}

/**
 * A run not started yet (spec.status PipelineRunPending) as the collector shows it: Queued, under
 * the id and pipeline name its run will report with (a triggered run names a Pipeline).
 */
export async function queuedRecord(c: ControllerCollector, run: PipelineRunResource, at: string): Promise<void> {
  const { namespace, name, uid } = run.metadata as { namespace: string; name: string; uid: string };
  const pipeline = run.spec.pipelineRef?.name ?? name;
  const params = run.spec.params ?? {};
  const rc = runCollector(c, { namespace, name, uid }, { name: pipeline, params });
  await rc.reporter.runStarted({
    id: rc.runId,
    name: pipeline,
    status: 'Queued',
    startedAt: at,
    params,
    tasks: [],
    engine: 'kubernetes',
  });
}
