// The log proxy's real I/O on real files: a step's end (its post file) wakes the proxy's wait,
// whether the step's directory existed when the proxy looked or appeared after; the proxy never
// makes a step's directory itself (in a Pod its user is not the steps').
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProxyIO } from '../../../agent/log-proxy/io.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function pod() {
  const root = mkdtempSync(join(tmpdir(), 'kiln-proxy-io-'));
  dirs.push(root);
  const runDir = join(root, 'run');
  mkdirSync(runDir);
  const io = createProxyIO({
    runDir,
    logDir: join(root, 'logs'),
    stateDir: join(root, 'state'),
    pipelineRun: 'r',
    taskRun: 't',
  });
  return { runDir, io };
}

/** Resolves true when the wait ended before its (long) timeout. */
async function wokenBy(io: ReturnType<typeof createProxyIO>, act: () => void): Promise<boolean> {
  const started = Date.now();
  const wait = io.waitForChange(60_000);
  act();
  await wait;
  return Date.now() - started < 60_000;
}

describe('log proxy I/O', () => {
  it("wakes its wait when a step's post file is written in a directory that existed", async () => {
    const { runDir, io } = pod();
    mkdirSync(join(runDir, '0'));
    expect(await io.stepEnded(0)).toBe(false);
    expect(await wokenBy(io, () => writeFileSync(join(runDir, '0', 'out'), ''))).toBe(true);
    expect(await io.stepEnded(0)).toBe(true);
    await io.close();
  });

  it("wakes its wait when the step's directory appears, and does not make it itself", async () => {
    const { runDir, io } = pod();
    expect(await io.stepEnded(1)).toBe(false);
    expect(existsSync(join(runDir, '1'))).toBe(false);
    expect(await wokenBy(io, () => mkdirSync(join(runDir, '1')))).toBe(true);
    expect(await io.stepEnded(1)).toBe(false); // now watched in its directory too
    expect(await wokenBy(io, () => writeFileSync(join(runDir, '1', 'out.err'), ''))).toBe(true);
    expect(await io.stepEnded(1)).toBe(true);
    await io.close();
  });
});
