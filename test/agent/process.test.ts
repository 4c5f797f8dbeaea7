// The real agent's process handling: signals reach the command's whole process group, a timeout
// kills it (grandchildren included), output is teed to stdout/stderr and spooled, memory stays flat.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { kilnPaths } from '../../contract/index.js';
import { AGENT, processEnded, readJson, requireBuilt, start, stepArgs, tempDir, waitForFile } from './helpers.js';
import { decodeSpool } from './spool-decode.js';

beforeAll(() => requireBuilt(AGENT));

const sh = (script: string) => ['/bin/sh', '-c', script];

describe('process group', () => {
  it('forwards SIGTERM to every process of the command, grandchildren included', async () => {
    const root = tempDir('signal');
    const grandchild = `trap 'echo TERM > gc-term; exit 0' TERM; echo up > gc-ready; while :; do sleep 0.05; done`;
    const script = `trap 'echo TERM > term; exit 7' TERM; sh -c "${grandchild}" & echo $$ > pid; while :; do sleep 0.05; done`;
    const step = start(AGENT, stepArgs(root, 0, {}, sh(script)), { cwd: root });
    await waitForFile(`${root}/gc-ready`);
    await waitForFile(`${root}/pid`);
    step.child.kill('SIGTERM');
    const exit = await step.exit;
    expect(exit.code, `signal ${exit.signal}; stderr: ${step.stderr()}`).toBe(7);
    expect(readFileSync(`${root}/term`, 'utf8')).toBe('TERM\n');
    expect(readFileSync(`${root}/gc-term`, 'utf8')).toBe('TERM\n');
    expect(readFileSync(kilnPaths(root).exitCodeFile(0), 'utf8')).toBe('7');
  });

  it('forwards a signal that arrives as soon as the command has started (no window while spawning)', async () => {
    // Regression: the command can run before spawn() returns in the agent; a signal then must be
    // forwarded, not kill the agent with its default action.
    for (let i = 0; i < 6; i++) {
      const root = tempDir('signal-early');
      const step = start(
        AGENT,
        stepArgs(root, 0, {}, sh(`trap 'exit 7' TERM; echo $$ > pid; while :; do sleep 0.05; done`)),
        { cwd: root },
      );
      await waitForFile(`${root}/pid`);
      step.child.kill('SIGTERM');
      const exit = await step.exit;
      expect(exit.code, `run ${i}: signal ${exit.signal}`).toBe(7);
    }
  });

  it('on -timeout sends SIGTERM, then SIGKILL to what ignores it, and fails with TimeoutExceeded', async () => {
    const root = tempDir('timeout');
    const stubborn = `trap '' TERM; echo $$ > gc-pid; while :; do sleep 0.05; done`;
    const step = start(
      AGENT,
      stepArgs(root, 0, { timeout: '300ms', timeoutGrace: '200ms' }, sh(`sh -c "${stubborn}" & wait`)),
      { cwd: root },
    );
    const exit = await step.exit;
    const p = kilnPaths(root);
    expect(exit.code).toBe(143); // the shell died of SIGTERM: 128 + 15
    expect(readJson(p.localTerminationFile(0))).toContainEqual({ key: 'Reason', value: 'TimeoutExceeded', type: 3 });
    expect(readFileSync(`${p.postFile(0)}.err`, 'utf8')).toBe('');
    const gcPid = Number(readFileSync(`${root}/gc-pid`, 'utf8'));
    expect(gcPid).toBeGreaterThan(0);
    expect(processEnded(gcPid)).toBe(true);
    expect(step.stderr()).toMatch(/timed out after 300ms/);
  });
});

describe('output', () => {
  it('keeps stdout and stderr apart, in order, in the spool and on the agent streams', async () => {
    const root = tempDir('spool');
    const spool = kilnPaths(root).spoolFile(0);
    // Each line waits until the agent has spooled the previous one, so the order is the order written.
    const waitSpooled = (line: string) => `until grep -qx '${line}' ${spool} 2>/dev/null; do :; done`;
    const script = [1, 2, 3]
      .map((i) => `echo out${i}; ${waitSpooled(`out${i}`)}; echo err${i} >&2; ${waitSpooled(`err${i}`)}`)
      .join('; ');
    const step = start(AGENT, stepArgs(root, 0, {}, sh(script)));
    expect((await step.exit).code).toBe(0);
    const records = decodeSpool(readFileSync(spool));
    expect(records.map((r) => `${r.stream}:${r.payload}`)).toEqual([
      'o:out1',
      'e:err1',
      'o:out2',
      'e:err2',
      'o:out3',
      'e:err3',
    ]);
    expect(records.every((r, i) => i === 0 || r.timeMs >= records[i - 1].timeMs)).toBe(true);
    expect(step.stdout()).toBe('out1\nout2\nout3\n');
    expect(step.stderr()).toBe('err1\nerr2\nerr3\n');
  });

  it('splits a long line into 64 KiB records and passes it through whole', async () => {
    const root = tempDir('longline');
    const length = 3 * 65536 + 100;
    const step = start(AGENT, stepArgs(root, 0, {}, sh(`head -c ${length} /dev/zero | tr '\\0' a; echo; printf tail`)));
    expect((await step.exit).code).toBe(0);
    const records = decodeSpool(readFileSync(kilnPaths(root).spoolFile(0)));
    expect(records.map((r) => r.payload.length)).toEqual([65536, 65536, 65536, 100, 4]);
    expect(records.slice(0, 4).every((r) => r.payload.every((b) => b === 0x61))).toBe(true);
    expect(records[4].payload.toString()).toBe('tail');
    expect(step.stdout()).toBe('a'.repeat(length) + '\ntail');
  });

  it("keeps spooling all output when nobody reads the agent's stdout any more", async () => {
    const root = tempDir('epipe');
    const step = start(AGENT, stepArgs(root, 0, {}, sh('seq 1 200000')));
    step.child.stdout!.destroy();
    expect((await step.exit).code).toBe(0);
    const records = decodeSpool(readFileSync(kilnPaths(root).spoolFile(0)));
    expect(records).toHaveLength(200000);
    expect(records.at(-1)!.payload.toString()).toBe('200000');
  });

  /** The agent's peak RSS (kB), read by the command itself once its output has gone through the agent. */
  async function agentPeakKb(output: string): Promise<number> {
    const root = tempDir('memory');
    const script = `${output}; grep VmHWM /proc/$PPID/status > ${root}/hwm`;
    const step = start(AGENT, stepArgs(root, 0, {}, sh(script)), { stdio: ['ignore', 'ignore', 'pipe'] });
    expect((await step.exit).code).toBe(0);
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`${root}/hwm`, 'utf8'))![1]);
  }

  it('stays under 100 MB, and within 40 MB of its idle size, while a step writes one 100 MB line', async () => {
    const idleKb = await agentPeakKb('true');
    const busyKb = await agentPeakKb(`head -c 104857600 /dev/zero | tr '\\0' x`);
    expect(idleKb).toBeGreaterThan(1000);
    expect(busyKb).toBeLessThan(100 * 1024);
    expect(busyKb - idleKb).toBeLessThan(40 * 1024);
  });
});
