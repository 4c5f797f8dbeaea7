// The host runners of one pipeline run: a runner more only when more task runs are live or coming
// than the runners hold (TASK_RUNS_PER_RUNNER each), and a task run whose set-up failed no longer
// counts as coming.
import { describe, expect, it } from 'vitest';
import type { HostRunner } from '../../../runtimes/host/host-runner.js';
import { HostRunnerPool, TASK_RUNS_PER_RUNNER } from '../../../runtimes/host/host-runner-pool.js';

/** A pool of `size` whose runners are fakes; `made` counts the runners it started. */
function pool(size: number) {
  const made: string[] = [];
  const make = () => {
    const id = `runner-${made.length}`;
    made.push(id);
    return {
      id,
      onWarning: () => undefined,
      spawn: () => undefined,
      release: () => undefined,
    } as unknown as HostRunner;
  };
  return { pool: new HostRunnerPool(make, size), made };
}

describe('HostRunnerPool', () => {
  it('starts a runner for a task run coming, and another only when every runner holds two', () => {
    const { pool: p, made } = pool(4);
    expect(TASK_RUNS_PER_RUNNER).toBe(2);
    p.expect();
    const first = p.take('t1');
    expect(made).toHaveLength(1);
    p.expect(); // t1 is live: t2 shares its runner
    expect(made).toHaveLength(1);
    expect(p.take('t2')).toBe(first);
    p.expect(); // the runner holds two: t3 gets a runner of its own, booting while t3 is set up
    expect(made).toHaveLength(2);
    const third = p.take('t3');
    expect(third).not.toBe(first);
    p.release('t1');
    p.expect(); // each runner holds one: the least busy takes t4
    p.take('t4');
    expect(made).toHaveLength(2);
  });

  it('gives the least busy runner its task runs once the pool is full', () => {
    const { pool: p, made } = pool(2);
    const taken = ['t1', 't2', 't3', 't4', 't5', 't6'].map((t) => {
      p.expect();
      return p.take(t);
    });
    expect(made).toHaveLength(2);
    expect(taken.filter((r) => r === taken[0])).toHaveLength(3);
    p.release('t1');
    p.release('t2');
    p.expect();
    expect(p.take('t7')).toBe(taken[0]);
  });

  it('does not count a task run whose set-up failed before it took a runner', () => {
    const { pool: p, made } = pool(4);
    p.expect();
    p.expect();
    p.abandon('t1'); // its directories could not be made
    p.expect();
    p.take('t2');
    p.take('t3');
    expect(made).toHaveLength(1); // without abandon, t3 would have started a second runner
  });

  it('keeps counting a task run that took its runner before it failed', () => {
    const { pool: p, made } = pool(4);
    for (const t of ['t1', 't2']) {
      p.expect();
      p.take(t);
    }
    p.abandon('t2'); // too late: t2 holds its runner until released
    p.expect();
    expect(made).toHaveLength(2);
  });

  it("frees a task run's share once its steps have ended, and holds later task runs' logs until it has shipped", () => {
    const { pool: p, made } = pool(4);
    const first = p.take('t1');
    p.take('t2');
    p.stepsDone('t1'); // only its logs are left to ship: the runner has room again
    p.expect();
    expect(p.take('t3')).toBe(first);
    expect(made).toHaveLength(1);
    const released: string[] = [];
    expect(p.logs.holdFor('t3', () => released.push('t3'))).toBe(true);
    p.release('t1');
    expect(released).toEqual(['t3']);
  });
});
