// Tekton documents as a Tekton user writes them, one small case per feature (test/e2e/tekton-cases/),
// run unchanged through `kiln run`: each case says in its leading comments what Tekton would do —
//   # expect-status: Succeeded | Failed       the run's status
//   # expect-reason: TEXT                     in the run's reason (a failed run's)
//   # expect-log: TASK/STEP | TEXT            a line of step output (each one must appear)
//   # expect-no-log: TEXT                     text that must not appear in the output
//   # expect-refused: TEXT                    kiln refuses the file (exit 2) with TEXT in its message
//   # args: ARG …                             more arguments for kiln run
// Every case runs twice: its `/bin/sh` scripts under busybox ash, then under bash (KILN_SH), the
// /bin/sh of Tekton's usual images (busybox, alpine, bash; ubi, fedora).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kilnRun, REPO } from '../../testkit/kiln-cli.js';
import { caseExpectations, CASES, tektonCases } from '../../testkit/tekton-cases.js';
import { spawnSync } from 'node:child_process';

const scratch = mkdtempSync(join(tmpdir(), 'kiln-tekton-cases-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SHELLS = ['ash', 'bash'];

describe.each(SHELLS)('Tekton documents run unchanged (/bin/sh is %s)', (shell) => {
  const env = { ...process.env, KILN_SH: shell };
  for (const name of tektonCases()) {
    const file = join(CASES, name);
    const expected = caseExpectations(readFileSync(file, 'utf8'));
    it(name, async () => {
      if (expected.refused !== undefined) {
        const r = spawnSync(process.execPath, [join(REPO, 'bin/kiln.js'), 'run', file, ...expected.args], {
          cwd: scratch,
          env,
          encoding: 'utf8',
        });
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toContain(expected.refused);
        return;
      }
      const { code, record, stderr } = await kilnRun([file, ...expected.args], { cwd: scratch, env });
      expect(record.status, stderr).toBe(expected.status ?? 'Succeeded');
      expect(code).toBe(record.status === 'Succeeded' ? 0 : 1);
      // The run's reason, or a task's (a skipped task's reason, a failed one's).
      if (expected.reason) expect(JSON.stringify(record)).toContain(expected.reason);
      for (const line of expected.logs) expect(stderr).toContain(line);
      for (const text of expected.noLogs) expect(stderr).not.toContain(text);
    });
  }
});
