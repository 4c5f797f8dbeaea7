// The run marker sweep: a real marked process is found, by a full scan and by a quick scan of the
// processes born since a pid, and not by a quick scan starting after it was born.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { lastPid, markedProcesses, RUN_MARKER_ENV } from '../../contract/proc/index.js';

const scope = `proc-test-${process.pid}/t`;
const before = lastPid();
const child = spawn('sleep', ['30'], { env: { ...process.env, [RUN_MARKER_ENV]: scope }, stdio: 'ignore' });
afterAll(() => child.kill('SIGKILL'));

describe('markedProcesses', () => {
  it('finds a marked process by a full scan and by the processes born since a pid before it', () => {
    expect(before).toBeTypeOf('number');
    expect(markedProcesses(scope)).toEqual([child.pid]);
    expect(markedProcesses(scope, undefined, before)).toEqual([child.pid]);
    expect(markedProcesses(`proc-test-${process.pid}`, undefined, before)).toEqual([child.pid]);
  });

  it('passes over a process born before the pid it is given', () => {
    expect(markedProcesses(scope, undefined, lastPid())).toEqual([]);
    // Pids wrapped round since (the last pid given out is below the start): the low ones are new.
    expect(markedProcesses(scope, undefined, 2 ** 30)).toEqual([child.pid]);
  });
});
