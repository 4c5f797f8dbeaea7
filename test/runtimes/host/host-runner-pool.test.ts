// The host runners of one pipeline run: a runner more only when more task runs are live or coming
// than there are runners, and a task run whose set-up failed no longer counts as coming.
import { describe, expect, it } from 'vitest';
import type { HostRunner } from '../../../runtimes/host/host-runner.js';
import { HostRunnerPool } from '../../../runtimes/host/host-runner-pool.js';

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
  it('starts a runner for a task run coming, and another only when every runner has one', () => {
    const { pool: p, made } = pool(4);
    p.expect();
    const first = p.take('t1');
    expect(made).toHaveLength(1);
    p.expect(); // t1 is live: t2 gets a runner of its own
    expect(made).toHaveLength(2);
    expect(p.take('t2')).not.toBe(first);
    p.release('t1');
    p.expect(); // t1's runner is idle again
    p.take('t3');
    expect(made).toHaveLength(2);
  });

  it('does not count a task run whose set-up failed before it took a runner', () => {
    const { pool: p, made } = pool(4);
    p.expect();
    p.abandon('t1'); // its directories could not be made
    p.expect();
    p.take('t2');
    expect(made).toHaveLength(1); // without abandon, t2 would have started a second runner
  });

  it('keeps counting a task run that took its runner before it failed', () => {
    const { pool: p, made } = pool(4);
    p.expect();
    p.take('t1');
    p.abandon('t1'); // too late: t1 holds its runner until released
    p.expect();
    expect(made).toHaveLength(2);
  });
});
