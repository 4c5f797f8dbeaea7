// What kiln serve's queue does with an entry: the Queued record, the run itself on the host or
// podman engine (the same pieces `kiln run` uses: syntax, engine, runtime, shipping to this
// server's collector), a Cancelled record for an entry superseded before it began, and the
// commit statuses around it all.
import { join } from 'node:path';
import { runPipeline } from '../../engine/index.js';
import { locateAgent } from '../../runtimes/host/index.js';
import { loadPipelineFiles, resolveRunParams } from '../../syntax/index.js';
import { durationFlag, formatDuration, type RunRecord, type RunReporter } from '../../contract/index.js';
import { CollectorClient, collectorReporter, mintRunToken, runClaims } from '../../collector/index.js';
import {
  forgeStatusReporter,
  sendCommitStatus,
  TRIGGER_LABELS,
  type ForgeStatusOptions,
  type Trigger,
} from '../../triggers/index.js';
import { DEFAULT_LOG_DEADLINE, localRunLabels } from '../run-options.js';
import { openRunShipping } from '../run-shipping.js';
import { chooseEngine, parseEngineFlag } from '../run-engine.js';
import { openRuntime, podmanRuns } from '../run-runtime.js';
import { Superseded, type QueueHooks } from './run-queue.js';
import type { QueueEntry } from './serve-store.js';

export interface TriggeredRunOptions {
  triggers: Map<string, Trigger>;
  /**
   * Once it listens: the collector's address, its write secret (each run's token is minted with it)
   * and the web UI's address for the links in commit statuses.
   */
  collector: Promise<{ url: string; secret: string; publicUrl: string }>;
  /** Where runs start (their .kiln/runs and cache); kiln serve's working directory. */
  cwd: string;
  /** --engine of kiln serve; a trigger's engine: wins over it. */
  engine?: string;
  log: (line: string) => void;
  retry?: ForgeStatusOptions['retry'];
}

export const runUrl = (publicUrl: string, runId: string) => `${publicUrl}/#/run/${encodeURIComponent(runId)}`;

function entryLabels(entry: QueueEntry): Record<string, string> {
  return {
    [TRIGGER_LABELS.trigger]: entry.trigger,
    [TRIGGER_LABELS.delivery]: entry.deliveryId,
    [TRIGGER_LABELS.event]: entry.facts.event,
    ...(entry.facts.sha ? { [TRIGGER_LABELS.sha]: entry.facts.sha } : {}),
  };
}

export function triggeredRunHooks(o: TriggeredRunOptions): QueueHooks {
  const pipelineName = (t: Trigger | undefined) => {
    try {
      return t ? loadPipelineFiles([t.pipeline]).pipeline.name : undefined;
    } catch {
      return undefined;
    }
  };

  /** A record written outside a run (Queued, Cancelled, Failed before it began), with its own token. */
  const recordReporter = async (r: RunRecord): Promise<RunReporter> => {
    const { url, secret } = await o.collector;
    return collectorReporter(new CollectorClient(url), mintRunToken(secret, runClaims(r)));
  };
  const outsideRecord = (entry: QueueEntry, status: RunRecord['status'], reason?: string): RunRecord => {
    const t = o.triggers.get(entry.trigger);
    return {
      id: entry.runId,
      name: pipelineName(t) ?? entry.trigger,
      status,
      ...(reason ? { reason } : {}),
      startedAt: entry.enqueuedAt,
      ...(status === 'Queued' ? {} : { finishedAt: new Date().toISOString() }),
      params: entry.params,
      tasks: [],
      engine: 'local',
      labels: entryLabels(entry),
    };
  };
  const statusOptions = async (t: Trigger, entry: QueueEntry): Promise<ForgeStatusOptions> => ({
    trigger: t,
    facts: entry.facts,
    runUrl: runUrl((await o.collector).publicUrl, entry.runId),
    retry: o.retry,
  });

  async function failBeforeStart(entry: QueueEntry, reason: string): Promise<void> {
    const t = o.triggers.get(entry.trigger);
    const record = outsideRecord(entry, 'Failed', reason);
    const status = t ? await sendCommitStatus(await statusOptions(t, entry), record) : '';
    if (status) record.labels![TRIGGER_LABELS.commitStatus] = status;
    await (await recordReporter(record)).runFinished(record);
    o.log(`kiln serve: run ${entry.runId} failed before it began: ${reason}`);
  }

  return {
    async queued(entry) {
      const record = outsideRecord(entry, 'Queued');
      await (await recordReporter(record)).runStarted(record);
    },
    cancelsInProgress: (entry) => o.triggers.get(entry.trigger)?.concurrency?.cancelInProgress ?? false,
    async superseded(entry, by) {
      const record = outsideRecord(entry, 'Cancelled', 'Cancelled');
      record.labels![TRIGGER_LABELS.supersededBy] = by;
      await (await recordReporter(record)).runFinished(record);
      o.log(`kiln serve: run ${entry.runId} cancelled before it began: superseded by run ${by}`);
    },
    onError: (entry, err) => o.log(`kiln serve: run ${entry.runId}: ${(err as Error).stack ?? String(err)}`),
    async run(entry, signal) {
      const t = o.triggers.get(entry.trigger);
      if (!t)
        return failBeforeStart(entry, `KilnTriggerGone: trigger ${entry.trigger} is no longer in the triggers file`);
      let loaded: ReturnType<typeof loadPipelineFiles>;
      let params: ReturnType<typeof resolveRunParams>;
      try {
        loaded = loadPipelineFiles([t.pipeline]);
        params = resolveRunParams(loaded.pipeline, { ...loaded.run?.params, ...entry.params });
      } catch (err) {
        return failBeforeStart(entry, `KilnTriggerPipelineInvalid: ${(err as Error).message.split('\n')[0]}`);
      }
      const { pipeline, run } = loaded;
      const asked = parseEngineFlag(t.engine ?? o.engine);
      // Probed only for `auto`: the probe loads the podman engine and runs `podman info`.
      const podmanHere = (asked ?? pipeline.engine) === 'auto' && (await podmanRuns());
      const chosen = chooseEngine(asked, pipeline.engine, () => podmanHere);
      const agent = locateAgent();
      const logDeadlineMs = durationFlag('--log-deadline', DEFAULT_LOG_DEADLINE);
      const labels = { ...localRunLabels({ cwd: o.cwd, files: [t.pipeline], workspaces: {} }), ...entryLabels(entry) };
      const collector = await o.collector;
      const shipping = await openRunShipping({
        runName: entry.runId,
        pipeline: pipeline.name,
        params,
        agent,
        collectorUrl: collector.url,
        secret: collector.secret,
        stateDir: join(o.cwd, '.kiln'),
        logDeadline: DEFAULT_LOG_DEADLINE,
        labels,
        serveCache: chosen.engine === 'podman',
      });
      const runtime = await openRuntime({
        engine: chosen.engine,
        cwd: o.cwd,
        agent,
        cacheDir: join('.kiln', 'cache'),
        logDeadlineMs,
        logDeadline: formatDuration(logDeadlineMs),
        shipping,
        onOutput: () => undefined,
        onWarning: (message) => o.log(`kiln serve: run ${entry.runId}: ${message}`),
      }).catch(async (err: unknown) => {
        await shipping.close();
        throw err;
      });
      const superseded = (r: RunRecord): RunRecord =>
        signal.reason instanceof Superseded
          ? { ...r, labels: { ...r.labels, [TRIGGER_LABELS.supersededBy]: signal.reason.by } }
          : r;
      const forge = forgeStatusReporter(shipping.reporter, await statusOptions(t, entry));
      // chooseEngine names a given choice "--engine X": here it came from the trigger or kiln serve's flag.
      const engineLine = chosen.line
        .replace(/^kiln: /, '')
        .replace('--engine', t.engine ? "the trigger's engine:" : "kiln serve's --engine");
      o.log(`kiln serve: run ${entry.runId} (${pipeline.name}, trigger ${t.name}) starts: ${engineLine}`);
      try {
        const record = await runPipeline({
          input: {
            runName: entry.runId,
            pipeline,
            params,
            workspaces: { ...run?.workspaces },
            timeoutMs: run?.timeoutMs,
            collector: shipping.collector,
            runUrl: runUrl(collector.publicUrl, entry.runId),
          },
          runtime,
          approvals: shipping.approvals,
          reporter: { ...forge, runFinished: (r) => forge.runFinished(superseded(r)) },
          fetchResult: shipping.fetchResult,
          signal,
          onWarning: (message) => o.log(`kiln serve: run ${entry.runId}: warning: ${message}`),
        });
        o.log(`kiln serve: run ${entry.runId} ${record.status}`);
      } finally {
        await shipping.close();
      }
    },
  };
}
