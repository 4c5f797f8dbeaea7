// What `kiln run` needs to put a local run into the history: a collector (the one named by
// --collector, or an embedded one storing in .kiln/kiln.db), the run-scoped write token, the
// RunReporter that sends the run record, and the log proxy sidecar for each task run.
import { join } from 'node:path';
import {
  kilnPaths,
  logProxyArgv,
  RUN_LABELS,
  type RunRecord,
  type RunReporter,
  type StoredResultRef,
  UsageError,
} from '../contract/index.js';
import {
  CollectorClient,
  collectorApprovals,
  collectorReporter,
  collectorSecret,
  lineColumns,
  listenEarly,
  mintRunToken,
  runClaims,
  runPageUrl,
  startCollector,
  type RunningCollector,
} from '../collector/index.js';
import type { LogSink, SidecarContext } from '../runtimes/host/index.js';
import { heartbeating } from './heartbeat.js';

export interface RunShipping {
  collector: { url: string; token: string };
  reporter: RunReporter;
  /** Reads a result a step stored at the collector (the driver's fetchResult). */
  fetchResult: (taskRun: string, ref: StoredResultRef) => Promise<string>;
  /** The run's page in a web UI that outlives the run (KILN_UI_URL, else a named collector's), for notifications. */
  runUrl?: string;
  /** Where the run's approval gates learn their decisions (the driver's approvals). */
  approvals: ReturnType<typeof collectorApprovals>;
  /** The LocalRuntime's sidecar: a log proxy per task run. */
  sidecar: (ctx: SidecarContext) => string[];
  /**
   * With the embedded collector: where the host engine stores the lines it hears from the steps,
   * in this process (runtimes/host/in-process-logs.ts), instead of a log proxy per task run.
   */
  logSink?: LogSink;
  /**
   * Starts the embedded collector, whose address is bound already (so the run can begin first: a
   * request meanwhile waits for it); rejects when it cannot start. Resolved at once for an external one.
   */
  startCollector(): Promise<void>;
  close(): Promise<void>;
}

export interface RunShippingOptions {
  runName: string;
  /** The pipeline's name and the run's params: its token binds the pipeline and the branch (param `branch`). */
  pipeline: string;
  params: Record<string, unknown>;
  /** argv of kiln-agent (locateAgent()). */
  agent: string[];
  /** An external collector; absent = an embedded one. */
  collectorUrl?: string;
  /** The external collector's secret (default $KILN_COLLECTOR_SECRET), to mint the run's token. */
  secret?: string;
  /** `.kiln` of the working directory: the embedded store and its secrets. */
  stateDir: string;
  /** How long a log proxy keeps trying after its last step (`kiln run --log-deadline`). */
  logDeadline: string;
  /** Labels every record sent carries (localRunLabels). */
  labels?: Record<string, string>;
  /**
   * Whether an embedded collector serves the dependency cache (/v1/cache): the podman engine's
   * steps reach their cache there; the host engine's use `--cache-dir` directly, and the cache's
   * routes and index were ≈ 20 ms of the collector's start on this thread, while the first task ran.
   */
  serveCache: boolean;
}

function labelled(reporter: RunReporter, labels: Record<string, string>): RunReporter {
  const withLabels = (r: RunRecord): RunRecord => ({ ...r, labels: { ...r.labels, ...labels } });
  return {
    runStarted: (r) => reporter.runStarted(withLabels(r)),
    runUpdated: (r) => reporter.runUpdated(withLabels(r)),
    runFinished: (r) => reporter.runFinished(withLabels(r)),
  };
}

/** The web UI a link may point at: KILN_UI_URL, else a named collector (an embedded one ends with the run). */
const uiBase = (collectorUrl?: string) => process.env.KILN_UI_URL || collectorUrl;

export async function openRunShipping(o: RunShippingOptions): Promise<RunShipping> {
  let url: string;
  let token: string;
  let start = async () => undefined as void;
  let close = async () => undefined as void;
  let logSink: LogSink | undefined;
  const claims = runClaims({ id: o.runName, name: o.pipeline, params: o.params });
  if (o.collectorUrl) {
    const secret = o.secret || process.env.KILN_COLLECTOR_SECRET;
    if (!secret) {
      throw new UsageError(
        `--collector ${o.collectorUrl}: kiln run needs the collector's secret to mint the run's write token`,
        "set KILN_COLLECTOR_SECRET to the content of the collector's secret file",
      );
    }
    url = o.collectorUrl;
    token = mintRunToken(secret, claims);
  } else {
    const early = await listenEarly();
    const secret = collectorSecret(o.stateDir);
    url = early.url;
    token = mintRunToken(secret, claims);
    let embedded: Promise<RunningCollector> | undefined;
    // Its start is mostly this thread's work: the caller chooses when (kiln run: after the first
    // task run's go-ahead; the collector's modules are loaded then too); until then connections
    // wait in the early-bound port's backlog.
    start = () =>
      (embedded ??= startCollector({
        db: `sqlite:${join(o.stateDir, 'kiln.db')}`,
        stateDir: o.stateDir,
        secret,
        server: early,
        ...(!o.serveCache && { cache: false as const }),
        processMetrics: false,
      })).then(() => undefined);
    // The first lines come after the first go-ahead, when the collector is starting already.
    logSink = {
      write: async ({ pipelineRun, taskRun, steps }) => {
        await start();
        const running = await embedded!;
        await running.ingestLogs({
          pipelineRun,
          taskRun,
          steps: steps.map((s) => ({ ...s, lines: lineColumns(s.firstSeq, s.lines) })),
        });
      },
    };
    close = async () => {
      const running = await embedded?.catch(() => undefined);
      await (running ? running.close() : early.close());
    };
  }
  const client = new CollectorClient(url);
  // Where `kiln approve` finds an embedded collector, which lives only as long as this run.
  const labels = o.labels && { ...o.labels, [RUN_LABELS.collector]: url };
  return {
    collector: { url, token },
    // A local run's record names its process and beats while it goes on (orphans.ts ends it otherwise).
    reporter: labels
      ? heartbeating(labelled(collectorReporter(client, token), labels))
      : collectorReporter(client, token),
    fetchResult: (taskRun, ref) => client.storedResult(o.runName, taskRun, ref, token),
    approvals: collectorApprovals(client, token),
    runUrl: uiBase(o.collectorUrl) && runPageUrl(uiBase(o.collectorUrl)!, o.runName),
    sidecar: ({ plan, root, steps, tokenFile }) => {
      // The runtime writes the token file for a run that has a collector, as every kiln run has.
      if (!tokenFile) throw new Error(`task run ${plan.name} has no collector token file`);
      return logProxyArgv({
        agent: o.agent,
        paths: kilnPaths(root),
        steps: steps.map((s) => s.name),
        collector: { url, tokenFile },
        pipelineRun: plan.pipelineRun,
        taskRun: plan.name,
        deadline: o.logDeadline,
        exitWithParent: true,
      });
    },
    ...(logSink && { logSink }),
    startCollector: start,
    close,
  };
}
