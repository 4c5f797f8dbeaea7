// gate/approval for real: one gate approved by this test once the step says it is waiting (its
// output is the signal: no sleeps), one rejected by a decision already there, one timing out.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertBuilt, runPipeline, scratch, task } from './helpers.js';

const tmp = scratch('approval');
beforeAll(assertBuilt);
afterAll(tmp.remove);

it('passes on approve, fails on reject (with the reason) and on no decision in time', async () => {
  const source = join(tmp.dir, 'source');
  mkdirSync(source);
  writeFileSync(join(source, 'no'), 'reject not on a Friday\n');
  const approve = join(source, 'yes');
  const r = await runPipeline(
    tmp.dir,
    'approval',
    `name: approval
workspaces: [source]
tasks:
  approved: { uses: gate/approval, with: { file: yes, timeout: "120", interval: "0.1" } }
  rejected: { uses: gate/approval, with: { file: "no", interval: "0.1" } }
  late: { uses: gate/approval, with: { file: never, timeout: "1", interval: "0.1" } }
`,
    ['--workspace', `source=${source}`],
    (soFar) => {
      if (soFar.includes('approved/wait | gate/approval: waiting up to 120s') && !existsSync(approve))
        writeFileSync(approve, 'approve ship it\n');
    },
  );
  expect(r.code).toBe(1);
  expect(Object.fromEntries(r.record.tasks.map((t) => [t.name, [t.status, t.results.decision]]))).toEqual({
    approved: ['Succeeded', 'approved'],
    rejected: ['Failed', 'rejected'],
    late: ['Failed', 'timeout'],
  });
  expect(r.stderr).toContain(
    `approved/wait | gate/approval: waiting up to 120s for ${source}/yes (write: approve, or reject REASON)`,
  );
  expect(r.stderr).toContain('approved/wait | gate/approval: approved: ship it');
  expect(r.stderr).toContain('rejected/wait | gate/approval: rejected: not on a Friday');
  expect(r.stderr).toContain('late/wait | gate/approval: no decision within 1s');
  expect(task(r.record, 'approved').steps[0]!.status).toBe('Succeeded');
});
