// The `kiln-agent host` processes of one pipeline run. A runner does its task runs' file work and
// spawns their steps on one thread: task runs fanned out queue behind each other there while the
// machine's other cores wait. So once every runner holds TASK_RUNS_PER_RUNNER task runs, the next
// one gets a runner of its own, up to one per core (at most MAX_RUNNERS); a chain keeps using one.
import { availableParallelism } from 'node:os';
import { runnerProcessEnv } from '../../contract/proc/index.js';
import { HostRunner } from './host-runner.js';
import { LogOrder } from './log-order.js';

/** Beyond a few, another runner's start (a Node process) costs more than the queue it spares. */
export const MAX_RUNNERS = 4;

/**
 * Task runs a runner holds before another is started. Two: a Node start (70–270 ms on the 2-core
 * machine, beside the steps) costs more than two task runs sharing a thread that mostly waits on
 * their steps' processes. examples/node-app (lint and test at once) ran 899 against 959 ms, medians
 * of 20 interleaved pairs, against a runner per task run; 20 × 3 `true` all at once was level
 * (1240 against 1271 ms, 10 pairs).
 */
export const TASK_RUNS_PER_RUNNER = 2;

export const defaultRunnerCount = () => Math.max(1, Math.min(MAX_RUNNERS, availableParallelism()));

/**
 * A pipeline run's pool: each runner carries the pipeline run's marker, not a task run's (a task
 * run's sweep spares it), and NODE_EXTRA_CA_CERTS only for an https collector (runnerProcessEnv).
 */
export function runnerPool(
  agent: string[],
  env: NodeJS.ProcessEnv,
  pipelineRun: string,
  o: { size?: number; early?: HostRunner; collectorTls: boolean },
): HostRunnerPool {
  const runEnv = runnerProcessEnv(env, pipelineRun, o.collectorTls);
  return new HostRunnerPool(() => new HostRunner(agent, runEnv), o.size ?? defaultRunnerCount(), o.early);
}

export class HostRunnerPool {
  private runners: HostRunner[] = [];
  /** Which runner runs each live task run. */
  private assigned = new Map<string, HostRunner>();
  /** Task runs whose steps have all ended, their runner still shipping their logs: no share of its room. */
  private shipping = new Map<string, HostRunner>();
  /** The order the pipeline run's task runs deliver their logs in (log-order.ts). */
  readonly logs = new LogOrder();
  /** Task runs being set up (their directories made) that will take a runner. */
  private expected = 0;
  private warn: (line: string) => void = (line) => process.stderr.write(`kiln: ${line}\n`);

  constructor(
    private make: () => HostRunner,
    private size: number,
    early?: HostRunner,
  ) {
    if (early) this.runners.push(early);
  }

  /** Where every runner's own stderr goes. */
  set onWarning(warn: (line: string) => void) {
    this.warn = warn;
    for (const r of this.runners) r.onWarning = warn;
  }

  /**
   * A task run begins its set-up: when more task runs are live or being set up than the runners
   * hold, another is started now, so that it boots while their directories are made.
   */
  expect(): void {
    this.expected++;
    const room = this.runners.length * TASK_RUNS_PER_RUNNER;
    if (this.assigned.size + this.expected > room && this.runners.length < this.size) this.added();
  }

  /** A task run whose set-up failed before it took a runner no longer counts as coming. */
  abandon(taskRun: string): void {
    if (!this.assigned.has(taskRun)) this.expected = Math.max(0, this.expected - 1);
  }

  /** The runner for a task run starting now: the least busy while it has room, else a new one while the pool has room, else the least busy still. */
  take(taskRun: string): HostRunner {
    this.expected = Math.max(0, this.expected - 1);
    const leastBusy = this.runners.reduce<HostRunner | undefined>(
      (a, b) => (a === undefined || this.load(b) < this.load(a) ? b : a),
      undefined,
    );
    const runner =
      leastBusy && (this.load(leastBusy) < TASK_RUNS_PER_RUNNER || this.runners.length >= this.size)
        ? leastBusy
        : this.added();
    this.assigned.set(taskRun, runner);
    return runner;
  }

  /** The task run's steps have all ended: its runner has room for another while it ships the logs. */
  stepsDone(taskRun: string): void {
    const runner = this.assigned.get(taskRun);
    if (!runner) return;
    this.assigned.delete(taskRun);
    this.shipping.set(taskRun, runner);
    this.logs.stepsDone(taskRun);
  }

  /** The task run has ended, its logs shipped: its runner is released for it (and no longer keeps kiln run alive when idle). */
  release(taskRun: string): void {
    const runner = this.assigned.get(taskRun) ?? this.shipping.get(taskRun);
    runner?.release(taskRun);
    this.assigned.delete(taskRun);
    this.shipping.delete(taskRun);
    this.logs.delivered(taskRun);
  }

  /** Ends every runner (each stops what it still runs, as on its parent's death); returns their pids. */
  close(): number[] {
    const pids = this.runners.flatMap((r) => r.pid() ?? []);
    for (const r of this.runners) r.close();
    this.runners = [];
    return pids;
  }

  private added(): HostRunner {
    const runner = this.make();
    runner.onWarning = this.warn;
    // Booting now, while its first task run is set up; unreferenced until it runs one.
    runner.spawn();
    this.runners.push(runner);
    return runner;
  }

  private load(runner: HostRunner): number {
    let n = 0;
    for (const r of this.assigned.values()) if (r === runner) n++;
    return n;
  }
}
