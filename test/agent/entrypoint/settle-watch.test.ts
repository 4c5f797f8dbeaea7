// A sidecar's settle watch against real processes: /proc as the kernel shows it, a shell that
// spends CPU before it writes and sleeps, one that ends at once, one that never rests.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleTree, settledBetween, watchSettle, type ProcState } from '../../../agent/entrypoint/settle-watch.js';
import { waitForFile } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kiln-settle-'));
const children: number[] = [];
afterAll(() => {
  for (const pid of children)
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  rmSync(dir, { recursive: true, force: true });
});

/** A shell script in a session of its own, as the entrypoint spawns a command. */
function start(script: string) {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  children.push(child.pid!);
  return child;
}

/** The word once written (whole, by a rename), and how long after the call it came. */
async function word(file: string): Promise<{ word: string; at: number }> {
  const t0 = Date.now();
  await waitForFile(file, 30_000);
  return { word: readFileSync(file, 'utf8'), at: Date.now() - t0 };
}

const p = (pid: number, state: string, cpuNs: number): ProcState => ({ pid, state, cpuNs });

describe('settledBetween', () => {
  it('holds only for the same processes, all waiting, with no CPU time spent', () => {
    expect(settledBetween([p(1, 'S', 5), p(2, 'Z', 0)], [p(1, 'S', 5), p(2, 'Z', 0)])).toBe(true);
    expect(settledBetween([p(1, 'S', 5)], [p(1, 'S', 6)])).toBe(false); // it ran in between
    expect(settledBetween([p(1, 'R', 5)], [p(1, 'S', 5)])).toBe(false); // running at the first
    expect(settledBetween([p(1, 'S', 5)], [p(1, 'D', 5)])).toBe(false); // in I/O
    expect(settledBetween([p(1, 'S', 5)], [p(1, 'S', 5), p(3, 'S', 0)])).toBe(false); // a new process
    expect(settledBetween([], [])).toBe(false); // nothing seen (gone): not settled, its end says so
  });
});

describe('sampleTree', () => {
  it('finds the command and what it started, sleeping', async () => {
    const child = start('sleep 30 & sleep 31; wait');
    const file = join(dir, 'tree');
    watchSettle(child, file, { sampleMs: 50, boundMs: 10_000 });
    expect((await word(file)).word).toBe('settled');
    const tree = sampleTree(child.pid!);
    expect(tree.map((t) => t.pid)).toContain(child.pid);
    expect(tree).toHaveLength(3); // sh and both sleeps
    expect(tree.every((t) => t.state === 'S')).toBe(true);
  });
});

describe('watchSettle', () => {
  it('says settled only once the command is past its CPU work and written its file', async () => {
    const value = join(dir, 'value');
    const file = join(dir, 'busy');
    const child = start(`i=0; while [ $i -lt 100000 ]; do i=$((i + 1)); done; echo foo > ${value}; sleep 30`);
    watchSettle(child, file, { sampleMs: 50, boundMs: 20_000 });
    const said = await word(file);
    expect(said.word).toBe('settled');
    expect(readFileSync(value, 'utf8')).toBe('foo\n');
  });

  it('says ended when the command ends first', async () => {
    const file = join(dir, 'ended');
    watchSettle(start('exit 0'), file, { sampleMs: 1000, boundMs: 20_000 });
    expect((await word(file)).word).toBe('ended');
  });

  it('says unsettled once the bound passes for a command that never rests', async () => {
    const file = join(dir, 'spin');
    watchSettle(start('while true; do :; done'), file, { sampleMs: 50, boundMs: 500 });
    const said = await word(file);
    expect(said.word).toBe('unsettled');
    expect(said.at).toBeGreaterThanOrEqual(450);
  });
});
