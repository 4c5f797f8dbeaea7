// Which watch events of a concurrency group's run look at the group's pending runs again: only the
// run's finish, its archiving, or its removal free the group's slot; its other events (status
// patches while it runs, and those after it ended) cost nothing.
import { describe, expect, it } from 'vitest';
import { GROUP_KEYS, GroupQueue } from '../../controller/group-queue.js';
import { PIPELINERUN_PENDING, type PipelineRunResource } from '../../runtimes/kubernetes/index.js';

const run = (name: string, o: { pending?: boolean; status?: PipelineRunResource['status']; group?: string } = {}) =>
  ({
    metadata: { name, namespace: 'ci', labels: { [GROUP_KEYS.group]: o.group ?? 'g' } },
    spec: { pipelineRef: { name: 'p' }, ...(o.pending && { status: PIPELINERUN_PENDING }) },
    ...(o.status && { status: o.status }),
  }) as PipelineRunResource;

type Status = NonNullable<PipelineRunResource['status']>;
const running = (at: string): Status => ({
  conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running', lastTransitionTime: at }],
});
const finished: Status = {
  conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded', lastTransitionTime: '2026-12-02T00:00:02Z' }],
  completionTime: '2026-12-02T00:00:02Z',
};

describe('GroupQueue.freedBy', () => {
  const waiting = run('b', { pending: true });
  let cacheReads = 0;
  const queue = () => {
    cacheReads = 0;
    return new GroupQueue({
      client: {} as never,
      events: {} as never,
      runs: () => (cacheReads++, [waiting, run('other', { pending: true, group: 'h' })]),
      now: () => 0,
      log: () => {},
    });
  };

  it("hands back the group's pending runs once when a run finishes, once when it is archived, and when it goes", () => {
    const q = queue();
    expect(q.freedBy(run('a', { status: running('2026-12-02T00:00:00Z') }))).toEqual([]);
    expect(q.freedBy(run('a', { status: running('2026-12-02T00:00:01Z') }))).toEqual([]);
    expect(cacheReads).toBe(0);
    expect(q.freedBy(run('a', { status: finished }))).toEqual([waiting]);
    // Later status patches of the ended run (its archiving) free nothing more.
    expect(q.freedBy(run('a', { status: finished }))).toEqual([]);
    expect(q.freedBy(run('a', { status: { ...finished, archived: true } }))).toEqual([]);
    expect(cacheReads).toBe(1);
    expect(q.freedBy(run('a', { status: finished }), { removed: true })).toEqual([waiting]);
  });

  it('a run archived without a finish (its status lost) frees the slot; a pending or ungrouped run never does', () => {
    const q = queue();
    expect(q.freedBy(run('a', { status: { archived: true } }))).toEqual([waiting]);
    expect(q.freedBy(run('c', { pending: true }))).toEqual([]);
    const loose = run('d', { status: finished });
    delete loose.metadata.labels;
    expect(q.freedBy(loose)).toEqual([]);
    expect(q.freedBy(loose, { removed: true })).toEqual([]);
  });

  it('a removed run frees the slot whatever it was doing', () => {
    const q = queue();
    expect(q.freedBy(run('a', { status: running('2026-12-02T00:00:00Z') }), { removed: true })).toEqual([waiting]);
  });
});
