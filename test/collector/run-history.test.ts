// `kiln run` puts the run into the history with its logs (embedded collector, .kiln/kiln.db), and
// `kiln logs` / `kiln runs` read them back right after: real processes end to end.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runKiln } from '../../testkit/log-proxy-pod.js';

const kiln = runKiln;

describe('kiln run → history', () => {
  let cwd: string;
  beforeAll(() => {
    requireBuild();
    cwd = mkdtempSync(join(tmpdir(), 'kiln-history-'));
    writeFileSync(
      join(cwd, 'pipeline.yaml'),
      `name: history-demo
tasks:
  greet:
    steps:
      - name: hello
        run: for i in 1 2 3; do echo "hello $i"; done
      - name: oops
        run: echo "to stderr" >&2
  after:
    needs: [greet]
    steps:
      - run: seq 1 2000
`,
    );
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('stores the record and every line, readable at once', async () => {
    const run = await kiln(cwd, ['run', 'pipeline.yaml']);
    expect(run.status).toBe(0);
    const runs = JSON.parse((await kiln(cwd, ['runs', '--json'])).stdout) as {
      id: string;
      pipeline: string;
      status: string;
    }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ pipeline: 'history-demo', status: 'Succeeded' });
    // The pipeline's task name, as the hint after the run says, and the task run's name.
    const greet = await kiln(cwd, ['logs', runs[0].id, '--task', 'greet']);
    expect(greet.stdout).toBe(
      'greet/hello | hello 1\ngreet/hello | hello 2\ngreet/hello | hello 3\ngreet/oops | to stderr\n',
    );
    const raw = await kiln(cwd, ['logs', runs[0].id, '--task', `${runs[0].id}-greet`, '--raw']);
    expect(raw.stdout).toBe('hello 1\nhello 2\nhello 3\nto stderr\n');
    const after = await kiln(cwd, ['logs', runs[0].id, '--step', 'step-1']);
    expect(after.stdout).toBe(Array.from({ length: 2000 }, (_, i) => `${i + 1}\n`).join(''));
  });
});
