// A run whose kiln process is gone is ended when read, on the machine that ran it only.
import { describe, expect, it } from 'vitest';
import { endIfOrphaned, kilnProcessAlive } from '../../collector/index.js';
import { RUN_LABELS } from '../../contract/index.js';
import { runRecord } from '../../testkit/store-fixtures.js';

const labels = { [RUN_LABELS.pid]: '4242', [RUN_LABELS.host]: 'box' };
const running = runRecord('r1', {
  labels,
  tasks: [
    {
      name: 'a',
      taskRun: 'r1-a',
      status: 'Succeeded',
      attempts: 1,
      results: {},
      steps: [{ name: 's', status: 'Succeeded', exitCode: 0 }],
    },
    {
      name: 'b',
      taskRun: 'r1-b',
      status: 'Running',
      attempts: 1,
      results: {},
      steps: [
        { name: 'one', status: 'Running', exitCode: null },
        { name: 'two', status: 'Pending', exitCode: null },
      ],
    },
  ],
});

describe('endIfOrphaned', () => {
  it('ends a Running run whose process is gone from this host, naming pid and host', () => {
    const ended = endIfOrphaned(running, { host: 'box', alive: () => false }, new Date('2026-03-01T00:00:00Z'))!;
    expect(ended.status).toBe('Failed');
    expect(ended.reason).toBe(
      'KilnProcessGone: the kiln process running it (pid 4242 on box) ended before the run did',
    );
    expect(ended.finishedAt).toBe('2026-03-01T00:00:00.000Z');
    expect(ended.tasks.map((t) => t.status)).toEqual(['Succeeded', 'Failed']);
    expect(ended.tasks[1]!.steps.map((s) => s.status)).toEqual(['Failed', 'Failed']);
  });

  it('leaves a live process, another host, an ended run and a run without a process alone', () => {
    expect(endIfOrphaned(running, { host: 'box', alive: () => true })).toBeNull();
    expect(endIfOrphaned(running, { host: 'elsewhere', alive: () => false })).toBeNull();
    expect(endIfOrphaned({ ...running, status: 'Succeeded' }, { host: 'box', alive: () => false })).toBeNull();
    expect(endIfOrphaned({ ...running, labels: {} }, { host: 'box', alive: () => false })).toBeNull();
  });

  it('ends a run on another machine whose heartbeats stopped, and only then', () => {
    const beating = {
      ...running,
      labels: { ...labels, [RUN_LABELS.heartbeat]: '2026-03-01T00:00:00.000Z', [RUN_LABELS.heartbeatEvery]: '30000' },
    };
    const elsewhere = { host: 'laptop', alive: () => true };
    expect(endIfOrphaned(beating, elsewhere, new Date('2026-03-01T00:01:30Z'))).toBeNull();
    const ended = endIfOrphaned(beating, elsewhere, new Date('2026-03-01T00:01:31Z'))!;
    expect(ended.status).toBe('Failed');
    expect(ended.reason).toBe(
      'KilnHeartbeatLost: no heartbeat from the kiln process running it (pid 4242 on box) since ' +
        '2026-03-01T00:00:00.000Z (one is due every 30s)',
    );
    // On its own machine the process itself is asked, whatever the beats say.
    expect(endIfOrphaned(beating, { host: 'box', alive: () => true }, new Date('2026-03-02T00:00:00Z'))).toBeNull();
  });

  it('tells a dead pid and a pid reused by another program from a live kiln', () => {
    expect(kilnProcessAlive(2 ** 22 + 1)).toBe(false); // above pid_max
    expect(kilnProcessAlive(1)).toBe(false); // init is alive but no kiln
  });
});
