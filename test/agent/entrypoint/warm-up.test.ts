// The entrypoint's warm-up (agent/entrypoint/warm-up.ts) is worth its place only while its spawn
// fails the one way that still runs Node's stdio path: an 'error' event with ENOENT, after the
// sockets are made. Any other failure throws from spawn() and the warm-up would warm nothing.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { warmUp, WARM_UP_PROGRAM } from '../../../agent/entrypoint/warm-up.js';

describe('the entrypoint warm-up', () => {
  it('spawns a program that fails with ENOENT as an event, its stdio sockets made', async () => {
    const child = spawn(WARM_UP_PROGRAM, [], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(child.stdout).not.toBeNull();
    expect(child.stderr).not.toBeNull();
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve));
    expect(err.code).toBe('ENOENT');
    expect(child.pid).toBeUndefined(); // nothing was left running
  });

  it('resolves once the failed spawn has closed', async () => {
    await expect(warmUp()).resolves.toBeUndefined();
  });
});
