// `kiln run FILE…`: runs a pipeline on this machine with the local runtime. Exit 0 when the run
// succeeded, 1 when it failed or timed out, 2 for a bad pipeline or flags, 130 when cancelled.
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pipelineRunName, runPipeline } from '../../engine/index.js';
import { HostRunner, locateAgent, startHostRunner } from '../../runtimes/host/index.js';
import { isTls, runnerProcessEnv } from '../../contract/proc/index.js';
import { claimEarlyRunner, earlyRunnerMarker } from '../early-runner.js';
import {
  type LoadedPipeline,
  loadRunFiles,
  pipelineUsesCache,
  type PipelineRunStatus,
  resolveRunParams,
} from '../../syntax/index.js';
import { durationFlag, formatDuration, type RunRecord, UsageError } from '../../contract/index.js';
import { EXIT } from '../exit-codes.js';
import { paintFor } from '../colour.js';
import { RunConsole } from '../run-console.js';
import { LabelledStream } from '../labelled-stream.js';
import { kilnCommand } from '../invocation.js';
import { readBackHint, undeliveredLogs } from '../run-progress.js';
import {
  collect,
  DEFAULT_LOG_DEADLINE,
  localRunLabels,
  parseConcurrency,
  parseMaxDepth,
  parseParamFlags,
  parseWorkspaceFlags,
  RUN_ENVIRONMENT_HELP,
} from '../run-options.js';
import { chooseEngine, hostIgnoredImages, hostIgnoredTaskRunSpecs, parseEngineFlag } from '../run-engine.js';
import { openRuntime, podmanRuns, withFirstStart } from '../run-runtime.js';

export const EXIT_CANCELLED = 130;

const EXIT_BY_STATUS: Record<PipelineRunStatus, number> = {
  Succeeded: EXIT.ok,
  Failed: EXIT.runFailed,
  TimedOut: EXIT.runFailed,
  Cancelled: EXIT_CANCELLED,
  Running: EXIT.internal,
  Queued: EXIT.internal,
};

interface RunFlags {
  param: string[];
  workspace: string[];
  concurrency?: string;
  maxDepth?: string;
  isolate?: boolean;
  keep?: boolean;
  json?: boolean;
  collector?: string;
  cacheDir: string;
  logDeadline: string;
  engine?: string;
  inTurn?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a pipeline on this machine (Kiln YAML or Tekton documents)')
    .argument(
      '<files...>',
      'pipeline files (one pipeline; Tekton Tasks/Pipeline/PipelineRun may be split over several, and several PipelineRuns/TaskRuns run at once)',
    )
    .option('--param <name=value>', 'a pipeline param (repeatable)', collect, [])
    .option(
      '--workspace <name=dir>',
      'bind a workspace to a directory (repeatable); unbound ones get a fresh directory',
      collect,
      [],
    )
    .option(
      '--engine <engine>',
      "where steps run: host (processes on this machine, images ignored), podman (each task run its Pod, steps in their images) or auto (podman when podman runs here, else host); default: the file's engine:, else auto",
    )
    .option('--concurrency <n>', 'run at most N task runs at once')
    .option('--max-depth <n>', 'how deep pipelines may call pipelines (pipeline: tasks); default 10')
    .option('--isolate', 'run each step in a bubblewrap sandbox (/kiln, /workspace/<name>, host root read-only)')
    .option('--keep', 'keep the run directory under .kiln/runs/ after the run')
    .option(
      '--in-turn',
      "a file's several PipelineRuns/TaskRuns run one after another (default: at once, as Tekton runs them, each line labelled by its run)",
    )
    .option('--json', 'print the run record as JSON on stdout at the end (step output goes to stderr)')
    .option(
      '--collector <url>',
      'ship logs and the run record to this collector (needs $KILN_COLLECTOR_SECRET); default: an embedded one storing in .kiln/kiln.db',
    )
    .option(
      '--log-deadline <duration>',
      "how long kiln run waits, after a task run's last step, for its logs to reach the collector; then it names the incomplete steps and keeps their spools",
      DEFAULT_LOG_DEADLINE,
    )
    .option('--cache-dir <dir>', "where steps' dependency caches (cache:) are kept across runs", join('.kiln', 'cache'))
    .addHelpText('after', RUN_ENVIRONMENT_HELP)
    .action(async (files: string[], flags: RunFlags) => {
      process.exitCode = await runCommand(files, flags);
    });
}

function requireBubblewrap(): void {
  const probe = spawnSync('bwrap', ['--version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new UsageError(
      '--isolate needs bubblewrap (bwrap), which is not installed or cannot run here',
      'install it (apt-get install bubblewrap) or run without --isolate',
    );
  }
}

/**
 * A file of several Tekton runs (PipelineRuns, TaskRuns) runs them at once, as Tekton does, each
 * line of each run's console labelled `[run]` (or, with --in-turn, each in turn with its own
 * progress and summary), then one line per run; the exit code is the worst of theirs.
 */
async function runCommand(files: string[], flags: RunFlags): Promise<number> {
  const early = earlyRunner(flags);
  try {
    return await runFiles(files, flags, early.take);
  } finally {
    early.release();
  }
}

/**
 * The host engine's `kiln-agent host`, started before the files are read (its Node start then
 * overlaps kiln run's own) unless the flags rule the host engine out; the first run on the host
 * engine takes it, and it is closed if none does (a file's `engine: podman`, a bad file). Its
 * run marker is kiln run's own, `kiln-run:<pid>` (no run's name has a colon): the run's name
 * comes from the files. Each task run's processes still carry their task run's marker.
 */
function earlyRunner(flags: RunFlags): { take: () => HostRunner | undefined; release: () => void } {
  let wanted: { agent: string[]; env: Record<string, string | undefined> } | undefined;
  if (!flags.isolate && (flags.engine === undefined || flags.engine === 'host')) {
    try {
      const env = runnerProcessEnv(process.env, earlyRunnerMarker(), isTls(collectorUrl(flags)));
      wanted = { agent: locateAgent(), env };
    } catch {
      // no agent: the run says so when it needs one
    }
  }
  // Started by the launcher already, most often (cli/early-runner.ts); let go when not wanted.
  const early = claimEarlyRunner(wanted);
  let runner =
    wanted &&
    (early ? HostRunner.adopt(wanted.agent, wanted.env, early.child) : new HostRunner(wanted.agent, wanted.env));
  if (runner && !early) runner.spawn();
  const take = () => {
    const taken = runner;
    runner = undefined;
    return taken;
  };
  return { take, release: () => take()?.close() };
}

/** The collector a run reports to: --collector, else KILN_COLLECTOR (or the settings file's); none: an embedded one. */
const collectorUrl = (flags: RunFlags) => flags.collector || process.env.KILN_COLLECTOR || undefined;

async function runFiles(files: string[], flags: RunFlags, takeRunner: () => HostRunner | undefined): Promise<number> {
  const loaded = loadRunFiles(files);
  const settings = runSettings(flags, takeRunner);
  const records: RunRecord[] = [];
  if (loaded.length > 1 && !flags.inTurn) {
    records.push(...(await Promise.all(loaded.map((one) => runOne(one, files, flags, settings, true)))));
  } else {
    for (const one of loaded) {
      const record = await runOne(one, files, flags, settings, false);
      records.push(record);
      if (record.status === 'Cancelled') break;
    }
  }
  if (flags.json) process.stdout.write(JSON.stringify(loaded.length === 1 ? records[0] : records, null, 2) + '\n');
  if (loaded.length > 1) {
    const out = flags.json ? process.stderr : process.stdout;
    out.write(`\n${loaded.length} runs:\n`);
    for (const r of records) out.write(`  ${r.status.padEnd(10)} ${r.id}\n`);
    for (const l of loaded.slice(records.length))
      out.write(`  ${'NotRun'.padEnd(10)} ${l.run?.name ?? l.pipeline.name}\n`);
  }
  const codes = records.map((r) => EXIT_BY_STATUS[r.status]);
  return codes.includes(EXIT_CANCELLED) ? EXIT_CANCELLED : Math.max(...codes);
}

/** What the flags say for every run of the files, read once (several runs in one file share it). */
interface RunSettings {
  concurrency: ReturnType<typeof parseConcurrency>;
  maxDepth: ReturnType<typeof parseMaxDepth>;
  asked: ReturnType<typeof parseEngineFlag>;
  logDeadlineMs: number;
  /** Whether podman runs here, probed at most once and only for `auto`: the probe loads the podman
   * engine and runs `podman info`. */
  podmanRuns: () => Promise<boolean>;
  /** The runner started before the files were read, for the first run that takes it. */
  takeRunner: () => HostRunner | undefined;
}

function runSettings(flags: RunFlags, takeRunner: () => HostRunner | undefined): RunSettings {
  let probed: Promise<boolean> | undefined;
  return {
    concurrency: parseConcurrency(flags.concurrency),
    maxDepth: parseMaxDepth(flags.maxDepth),
    asked: parseEngineFlag(flags.engine),
    logDeadlineMs: durationFlag('--log-deadline', flags.logDeadline),
    podmanRuns: () => (probed ??= podmanRuns()),
    takeRunner,
  };
}

async function runOne(
  loaded: LoadedPipeline,
  files: string[],
  flags: RunFlags,
  settings: RunSettings,
  labelled: boolean,
): Promise<RunRecord> {
  const cwd = process.cwd();
  const { pipeline, run } = loaded;
  const params = resolveRunParams(pipeline, { ...run?.params, ...parseParamFlags(flags.param) });
  const workspaces = { ...run?.workspaces, ...parseWorkspaceFlags(flags.workspace, pipeline, cwd) };
  const { concurrency, maxDepth, asked, logDeadlineMs } = settings;
  const podmanHere = (asked ?? pipeline.engine) === 'auto' && (await settings.podmanRuns());
  const chosen = chooseEngine(asked, pipeline.engine, () => podmanHere);
  const agent = locateAgent();
  if (flags.isolate && chosen.engine === 'podman')
    throw new UsageError('--isolate is for the host engine', 'podman already runs each step in its container');
  if (flags.isolate) requireBubblewrap();
  const runName = pipelineRunName(run?.name ?? pipeline.name);
  // With --json stdout carries only the record; everything else goes to stderr. Runs at once: each
  // line labelled by its run.
  const plainOut = flags.json ? process.stderr : process.stdout;
  const out = labelled ? new LabelledStream(plainOut, `[${runName}]`) : plainOut;
  const err = labelled ? new LabelledStream(process.stderr, `[${runName}]`) : process.stderr;
  // The host engine's agent, started before the files were read (or now, for a second run of the
  // file): its start overlaps this process's.
  const runner =
    chosen.engine === 'host' && !flags.isolate
      ? (settings.takeRunner() ?? startHostRunner(agent, process.env, runName, isTls(collectorUrl(flags))))
      : undefined;
  // A run with a dependency cache has the runner load the cache's code while it waits for the
  // first task run, off the cached step's critical path.
  if (runner && pipelineUsesCache(pipeline)) runner.send({ op: 'preload', parts: ['cache'] });
  const { openRunShipping } = await import('../run-shipping.js');
  const shipping = await openRunShipping({
    runName,
    pipeline: pipeline.name,
    params,
    agent,
    collectorUrl: collectorUrl(flags),
    stateDir: join(cwd, '.kiln'),
    logDeadline: formatDuration(logDeadlineMs),
    labels: localRunLabels({ cwd, files, workspaces }),
    serveCache: chosen.engine === 'podman',
  });

  const view = new RunConsole(out, !!out.isTTY, Date.now, { paint: paintFor(plainOut), err });
  /** A message of kiln's after the step output printed before it (the console holds output back for a turn). */
  const warn = (text: string) => {
    view.flush();
    err.write(text);
  };
  err.write(chosen.line + '\n');
  const ignored = chosen.engine === 'host' ? hostIgnoredImages(pipeline) : undefined;
  if (ignored) err.write(ignored + '\n');
  const unapplied = chosen.engine === 'host' ? hostIgnoredTaskRunSpecs(run, pipeline) : undefined;
  if (unapplied) err.write(unapplied + '\n');
  for (const warning of pipeline.warnings ?? []) err.write(`kiln: ${warning}\n`);
  const runtime = await openRuntime({
    engine: chosen.engine,
    cwd,
    agent,
    isolate: flags.isolate,
    keep: flags.keep,
    cacheDir: flags.cacheDir,
    hostRunner: runner && { runner, pipelineRun: runName },
    logDeadlineMs,
    logDeadline: formatDuration(logDeadlineMs),
    shipping,
    onOutput: (line) => view.output(line),
    onWarning: (message) => warn(`kiln: ${message}\n`),
  }).catch(async (err: unknown) => {
    await shipping.close();
    throw err;
  });

  const abort = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts === 1) {
      view.notice('kiln: cancelling the run (Ctrl-C again to kill every step now)');
      abort.abort();
    } else {
      runtime.killAll();
      view.flush(); // process.exit() runs no more turns of the event loop
      process.exit(EXIT_CANCELLED);
    }
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  let record: RunRecord;
  let collectorFailed: unknown;
  // On the host engine the embedded collector starts once the first task run has its go-ahead.
  const gate = chosen.engine === 'host' ? withFirstStart(runtime) : undefined;
  try {
    const running = runPipeline({
      input: {
        runName,
        pipeline,
        params,
        workspaces,
        timeoutMs: run?.timeoutMs,
        ...(run?.taskRunSpecs && { taskRunSpecs: run.taskRunSpecs }),
        ...(run?.credentials && { credentials: run.credentials }),
        concurrency,
        maxDepth,
        collector: shipping.collector,
        runUrl: shipping.runUrl,
      },
      runtime: gate?.runtime ?? runtime,
      reporter: shipping.reporter,
      fetchResult: shipping.fetchResult,
      approvals: shipping.approvals,
      signal: abort.signal,
      onChange: (r) => view.change(r),
      onWarning: (message) => warn(`kiln: warning: ${message}\n`),
    });
    // If the embedded collector cannot start, the run stops, its logs left in the spools.
    Promise.resolve(gate?.firstStarted())
      .then(() => shipping.startCollector())
      .catch((failure: unknown) => {
        collectorFailed = failure;
        if (runtime.kind === 'local') runtime.abandonLogs();
        abort.abort();
      });
    record = await running;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await shipping.close();
  }
  if (collectorFailed) throw collectorFailed;
  view.finish(record);
  err.write(undeliveredLogs(record, shipping.collector.url));
  if (flags.keep) out.write(`kept ${join('.kiln', 'runs', record.id)}/\n`);
  out.write(readBackHint(record, kilnCommand()));
  for (const s of [out, err]) if (s instanceof LabelledStream) s.flush();
  return record;
}
