// A whole local run whose disk fails under a step (root only: the test mounts): the run goes on to
// its end, the step's record names the failure, and no later step is left waiting.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPipeline } from '../../../engine/index.js';
import { LocalRuntime, locateAgent } from '../../../runtimes/host/index.js';
import type { PipelineSpec } from '../../../syntax/model.js';
import { pipeline, step, task } from '../../../testkit/pipelines.js';

const isRoot = process.getuid?.() === 0;
/** Waits (in the step, from the task run directory) until step 1's agent has reserved its message. */
const UNTIL_NEXT_AGENT_READY = 'while [ ! -s run/1/termination ]; do sleep 0.01; done; ';
const mounts: string[] = [];
afterEach(() => {
  // Innermost first: a step's own read-only bind mount sits inside the run directory.
  for (const dir of mounts.splice(0).reverse()) execFileSync('umount', ['-R', '-l', dir]);
});

async function runOn(baseDir: string, spec: PipelineSpec) {
  const runtime = new LocalRuntime({ baseDir, agent: locateAgent(), keep: true, killGraceMs: 2000 });
  const record = await runPipeline({ input: { runName: 'r', pipeline: spec, params: {}, workspaces: {} }, runtime });
  return { record, one: (name: string) => record.tasks.find((t) => t.name === name)! };
}

describe.skipIf(!isRoot)('a local run on a failing disk', () => {
  it('a step whose output fills the disk fails with AgentIOError; the run ends, finally tasks run', async () => {
    const disk = mkdtempSync(join(tmpdir(), 'kiln-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]);
    mounts.push(disk);
    const { record, one } = await runOn(
      disk,
      pipeline(
        [
          task('flood', {
            // The flood starts once the next agent has taken its termination message's room, as it
            // does while waiting; otherwise which of the two meets the full disk first is a race.
            steps: [step(UNTIL_NEXT_AGENT_READY + 'yes', { name: 'loud' }), step('echo never', { name: 'after' })],
          }),
        ],
        [task('tidy', { steps: [step('rm -f /nothing', { name: 'rm' })] })],
      ),
    );
    expect(record.status).toBe('Failed');
    const steps = one('flood').steps;
    expect(steps[0]).toMatchObject({ name: 'loud', status: 'Failed' });
    expect(steps[0]!.reason).toMatch(/^AgentIOError: ENOSPC writing the log spool \S+\/0\.spool/);
    expect(steps[1]).toMatchObject({ name: 'after', status: 'Skipped' });
    expect(one('tidy').status).not.toBe('Pending');
  });

  it('a step whose post file cannot be written: later steps are released as skipped, the run ends', async () => {
    const base = mkdtempSync(join(tmpdir(), 'kiln-ro-'));
    mounts.push(base);
    execFileSync('mount', ['--bind', base, base]); // so that the step's own mount goes with it
    // The step makes its own step directory read-only: no termination message, no out, no out.err.
    const readOnly = 'mount --bind run/0 run/0 && mount -o remount,ro,bind run/0';
    const { record, one } = await runOn(
      base,
      pipeline([task('t', { steps: [step(readOnly, { name: 'ro' }), step('echo never', { name: 'after' })] })]),
    );
    expect(record.status).toBe('Failed');
    const [ro, after] = one('t').steps;
    expect(ro).toMatchObject({ status: 'Failed', exitCode: 1 });
    expect(ro!.reason).toMatch(/AgentFailed: the agent ended with exit code 1 and no termination message/);
    expect(after).toMatchObject({
      status: 'Skipped',
      reason: 'Skipped: step ro wrote neither its post file nor .err',
    });
  });
});
