// POST /v1/runs/{run}/approvals/{task} and its long poll over loopback: every refusal a clear 4xx,
// a decision wakes the waiting engine at once, a named token reads, the reader token and run
// tokens keep working, and an engine's PATCH made before it learnt of a decision does not undo it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRecord, RunRecord, TaskRunRecord } from '../../contract/index.js';
import { mintPersonToken, startCollector, type RunningCollector } from '../../collector/index.js';
import { CollectorClient, collectorApprovals } from '../../collector/client/index.js';
import { runRecord, testClaims } from '../../testkit/store-fixtures.js';

const SECRET = 'test-secret-of-the-approvals-suite';
const gate = (over: Partial<TaskRunRecord> = {}, approval: Partial<ApprovalRecord> = {}): TaskRunRecord => ({
  name: 'gate',
  taskRun: 'gate-run',
  status: 'Running',
  attempts: 1,
  results: {},
  steps: [],
  startedAt: new Date().toISOString(),
  approval: { message: 'ship it?', approvers: ['release'], onTimeout: 'fail', ...approval },
  ...over,
});
const build: TaskRunRecord = {
  name: 'build',
  taskRun: 'build-run',
  status: 'Succeeded',
  attempts: 1,
  results: {},
  steps: [],
};

describe('approvals at the collector', () => {
  let c: RunningCollector;
  let dir: string;
  const alice = mintPersonToken(SECRET, { name: 'alice', groups: ['release'] });
  const mallory = mintPersonToken(SECRET, { name: 'mallory', groups: ['dev'] });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-approvals-'));
    c = await startCollector({ db: `sqlite:${join(dir, 'kiln.db')}`, stateDir: dir, secret: SECRET, cache: false });
  });
  afterAll(async () => {
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (record: RunRecord) => new CollectorClient(c.url).postRun(record, c.mintRunToken(testClaims(record.id)));
  const decide = async (run: string, task: string, token: string | undefined, body: unknown) => {
    const res = await request(`${c.url}/v1/runs/${run}/approvals/${task}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.statusCode, body: (await res.body.json()) as { error?: string; approval?: ApprovalRecord } };
  };

  it('refuses, with the status and what is wrong, every decision that cannot be', async () => {
    await put(runRecord('a1', { tasks: [build, gate()] }));
    await put(runRecord('a2', { status: 'Succeeded', tasks: [build, gate()] }));
    await put(runRecord('a3', { tasks: [gate({}, { deadline: new Date(Date.now() - 1000).toISOString() })] }));
    await put(runRecord('a4', { tasks: [gate({ status: 'Pending', startedAt: undefined })] }));
    const cases: [string, string, string | undefined, unknown, number, string][] = [
      ['a1', 'gate', undefined, { decision: 'approve' }, 401, 'needs a named token'],
      ['a1', 'gate', c.readerToken, { decision: 'approve' }, 401, 'needs a named token'],
      ['a1', 'gate', c.mintRunToken(testClaims('a1')), { decision: 'approve' }, 401, 'needs a named token'],
      [
        'a1',
        'gate',
        mintPersonToken('another-secret', { name: 'alice', groups: ['release'] }),
        { decision: 'approve' },
        401,
        'not valid',
      ],
      [
        'a1',
        'gate',
        mintPersonToken(SECRET, { name: 'old', groups: ['release'], exp: 1 }),
        { decision: 'approve' },
        401,
        'expired',
      ],
      [
        'a1',
        'gate',
        mallory,
        { decision: 'approve' },
        403,
        'mallory (groups: dev) may not decide task "gate": its approvers are release',
      ],
      ['a1', 'gate', alice, { decision: 'maybe' }, 400, 'decision must be "approve" or "reject"'],
      ['a1', 'gate', alice, { decision: 'reject' }, 400, 'a rejection needs a comment'],
      ['a1', 'gate', alice, { decision: 'approve', by: 'root' }, 400, 'unknown field "by"'],
      ['nope', 'gate', alice, { decision: 'approve' }, 404, 'run "nope" is unknown'],
      ['a1', 'deploy', alice, { decision: 'approve' }, 404, 'has no task "deploy" (its approval tasks: gate)'],
      ['a1', 'build', alice, { decision: 'approve' }, 409, 'task "build" of run a1 is not an approval'],
      ['a2', 'gate', alice, { decision: 'approve' }, 409, 'run a2 has ended (Succeeded)'],
      ['a3', 'gate', alice, { decision: 'approve' }, 409, 'timed out at'],
      ['a4', 'gate', alice, { decision: 'approve' }, 409, 'is Pending, not waiting'],
    ];
    for (const [run, task, token, body, status, message] of cases) {
      const res = await decide(run, task, token, body);
      expect([run, task, res.status], JSON.stringify(res.body)).toEqual([run, task, status]);
      expect(res.body.error).toContain(message);
    }
    expect(
      (await new CollectorClient(c.url, c.readerToken).getRun('a1'))!.tasks[1]!.approval!.decision,
    ).toBeUndefined();
  });

  it('wakes the waiting engine as the decision is stored, and refuses a second one', async () => {
    await put(runRecord('b1', { tasks: [build, gate()] }));
    const client = new CollectorClient(c.url);
    const waiting = collectorApprovals(client, c.mintRunToken(testClaims('b1'))).wait(
      'b1',
      'gate',
      new AbortController().signal,
    );
    // The long poll is held open: a GET without wait answers at once, undecided.
    const now = await client.approval('b1', 'gate', { token: c.readerToken });
    expect(now).toMatchObject({ run: 'b1', runStatus: 'Running', status: 'Running' });
    expect(now.approval.decision).toBeUndefined();
    const res = await decide('b1', 'gate', alice, { decision: 'approve', comment: 'lgtm' });
    expect(res.status).toBe(200);
    expect(await waiting).toEqual({ decision: 'approved', by: 'alice', at: res.body.approval!.at, comment: 'lgtm' });
    const twice = await decide('b1', 'gate', alice, { decision: 'reject', comment: 'oops' });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toContain(`decided already: approved by alice at ${res.body.approval!.at}`);
  });

  it("keeps a decision when the engine's next PATCH does not carry it yet", async () => {
    await put(runRecord('c1', { tasks: [build, gate()] }));
    await decide('c1', 'gate', alice, { decision: 'approve' });
    const token = c.mintRunToken(testClaims('c1'));
    await new CollectorClient(c.url).patchRun({ id: 'c1', tasks: [build, gate({ steps: [] })] }, token);
    const stored = await new CollectorClient(c.url, alice).getRun('c1'); // a named token reads
    expect(stored!.tasks[1]!.approval).toMatchObject({ decision: 'approved', by: 'alice' });
  });

  it('stops waiting when aborted', async () => {
    await put(runRecord('d1', { tasks: [gate()] }));
    const abort = new AbortController();
    const waiting = collectorApprovals(new CollectorClient(c.url), c.mintRunToken(testClaims('d1'))).wait(
      'd1',
      'gate',
      abort.signal,
    );
    abort.abort(new Error('run cancelled'));
    await expect(waiting).rejects.toThrow('run cancelled');
  });

  it('decides a gate of a called pipeline by its path, keeps it through a PATCH, refuses it once that run ended', async () => {
    const child = (tasks: TaskRunRecord[], status: RunRecord['status'] = 'Running') => ({
      ...runRecord('e1-deploy', { tasks }),
      status,
    });
    const deploy = (c: RunRecord): TaskRunRecord => ({
      ...build,
      name: 'deploy',
      taskRun: 'e1-deploy',
      status: 'Running',
      child: c,
    });
    // The engine may ask before the record holding the called pipeline's run arrives: it is held.
    await put(
      runRecord('e1', { tasks: [build, { ...build, name: 'deploy', taskRun: 'e1-deploy', status: 'Pending' }] }),
    );
    const client = new CollectorClient(c.url);
    const token = c.mintRunToken(testClaims('e1'));
    const held = client.approval('e1', 'deploy/gate', { waitS: 45, token });
    const waiting = collectorApprovals(client, token).wait('e1', 'deploy/gate', new AbortController().signal);
    await client.patchRun({ id: 'e1', tasks: [build, deploy(child([gate()]))] }, token);
    const wrong = await decide('e1', 'gate', alice, { decision: 'approve' });
    expect(wrong.status).toBe(404);
    expect(wrong.body.error).toContain('run e1 has no task "gate" (its approval tasks: deploy/gate)');
    const res = await decide('e1', 'deploy%2Fgate', alice, { decision: 'approve', comment: 'go' });
    expect(res.status).toBe(200);
    expect(await waiting).toMatchObject({ decision: 'approved', by: 'alice', comment: 'go' });
    expect(await held).toMatchObject({ runStatus: 'Running', approval: { decision: 'approved', by: 'alice' } });
    await client.patchRun({ id: 'e1', tasks: [build, deploy(child([gate({ steps: [] })]))] }, token);
    const stored = await client.approval('e1', 'deploy/gate', { token: c.readerToken });
    expect(stored.approval).toMatchObject({ decision: 'approved', by: 'alice' });

    await put(runRecord('e2', { tasks: [build, { ...deploy(child([gate()], 'Cancelled')), taskRun: 'e2-deploy' }] }));
    const ended = await decide('e2', 'deploy%2Fgate', alice, { decision: 'approve' });
    expect(ended.status).toBe(409);
    expect(ended.body.error).toContain(
      'the pipeline run e1-deploy that holds task "deploy/gate" has ended (Cancelled)',
    );
    const answer = await client.approval('e2', 'deploy/gate', { token: c.readerToken });
    expect(answer.runStatus).toBe('Cancelled'); // the engine's wait ends on it rather than spinning
  });
});
