// The launcher's early `kiln-agent host` (cli/early-runner.ts): started only for a `kiln run` that
// may use the host engine, adopted only when it is the runner kiln run would start itself, and
// let go (its stdin closed, so it exits) otherwise.
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { claimEarlyRunner, earlyRunnerMarker, startEarlyRunner } from '../../cli/early-runner.js';
import { RUN_MARKER_ENV, runnerProcessEnv } from '../../contract/proc/index.js';

let dir: string;
let agent: string;
const baseEnv = () => ({ PATH: process.env.PATH, KILN_AGENT: agent, NODE_EXTRA_CA_CERTS: '/certs.pem' });
/** What the launcher left for kiln run (read without claiming it). */
const slot = () => (globalThis as Record<symbol, { child: ChildProcess } | undefined>)[Symbol.for('kiln.earlyRunner')];
const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((done) =>
    child.exitCode !== null ? done(child.exitCode) : child.once('exit', (code) => done(code)),
  );

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-early-runner-'));
  // Stands in for kiln-agent: as `kiln-agent host` does, it runs until its stdin closes.
  agent = join(dir, 'agent');
  writeFileSync(agent, '#!/bin/sh\ncat > /dev/null\n');
  chmodSync(agent, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => claimEarlyRunner()); // nothing left in the slot for the next case

describe("kiln run's early runner", () => {
  it.each([
    [['run', 'p.yaml', '--isolate']],
    [['run', '--engine', 'podman', 'p.yaml']],
    [['run', '--engine=auto', 'p.yaml']],
    [['run', '--help']],
    [['validate', 'p.yaml']],
  ])('is not started for %j', (argv) => {
    startEarlyRunner(argv, dir, baseEnv());
    expect(slot()).toBeUndefined();
  });

  it('is started for a run on the host engine and adopted when it is the runner kiln run would start', async () => {
    startEarlyRunner(['run', 'p.yaml', '--engine', 'host', '--', '--isolate'], dir, baseEnv());
    const env = runnerProcessEnv(baseEnv(), earlyRunnerMarker(), false);
    const early = claimEarlyRunner({ agent: [agent], env })!;
    expect(early.env).toEqual(env);
    expect(early.env[RUN_MARKER_ENV]).toBe(`kiln-run:${process.pid}`);
    // No TLS to a collector: the runner is spared reading the CA bundle.
    expect(early.env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(early.child.exitCode).toBeNull();
    expect(claimEarlyRunner({ agent: [agent], env })).toBeUndefined(); // taken once
    early.child.stdin!.end();
    expect(await exitOf(early.child)).toBe(0);
  });

  it('keeps NODE_EXTRA_CA_CERTS for an https collector', () => {
    startEarlyRunner(['run', 'p.yaml', '--collector=https://kiln.example'], dir, baseEnv());
    const env = runnerProcessEnv(baseEnv(), earlyRunnerMarker(), true);
    const early = claimEarlyRunner({ agent: [agent], env })!;
    expect(early.env.NODE_EXTRA_CA_CERTS).toBe('/certs.pem');
    early.child.stdin!.end();
  });

  it('is let go, and exits, when kiln run would start another (the settings file added to the environment)', async () => {
    startEarlyRunner(['run', 'p.yaml'], dir, baseEnv());
    const child = slot()!.child;
    const env = runnerProcessEnv({ ...baseEnv(), KILN_UI_URL: 'http://ui' }, earlyRunnerMarker(), false);
    expect(claimEarlyRunner({ agent: [agent], env })).toBeUndefined();
    expect(await exitOf(child)).toBe(0);
  });
});
