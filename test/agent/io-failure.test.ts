// The real agent on a small tmpfs (root only: the test mounts it): a spool that fills the disk, a
// result written to a full disk, a post file on a read-only mount. Each ends the step loudly, with
// its group killed and the next step released.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ENTRYPOINT_FLAGS as F, kilnPaths, readTermination } from '../../contract/index.js';
import { AGENT, processEnded, requireBuilt, start, stepArgs, tempDir, waitForFile } from './helpers.js';

beforeAll(() => requireBuilt(AGENT));

const isRoot = process.getuid?.() === 0;
const mounted: string[] = [];

/** A 1 MiB tmpfs, unmounted after the test. */
function smallDisk(label: string): string {
  const dir = tempDir(label);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  mounted.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of mounted.splice(0)) execFileSync('umount', ['-l', dir]);
});

const termination = (path: string) => readTermination(readFileSync(path, 'utf8'))!;

describe.skipIf(!isRoot)('the agent on a full or read-only disk', () => {
  it('a spool that fills the disk: the group is killed, .err, AgentIOError, and the next step is skipped', async () => {
    const root = smallDisk('enospc');
    const p = kilnPaths(root);
    // Its pid written by the step's shell before `yes` fills the disk (by the loop itself, the write could come too late).
    const loop = `while :; do sleep 0.05; done`;
    const steps = [
      start(
        AGENT,
        stepArgs(root, 0, { wait: [p.readyFile], waitContent: true }, [
          '/bin/sh',
          '-c',
          `sh -c '${loop}' & echo $! > ${root}/gc-pid; yes`,
        ]),
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      ),
      start(AGENT, stepArgs(root, 1, { wait: [p.postFile(0)] }, ['/bin/sh', '-c', 'touch ran-1'])),
    ];
    // Both have taken their message's room before the disk fills.
    await waitForFile(p.localTerminationFile(0));
    await waitForFile(p.localTerminationFile(1));
    mkdirSync(p.downwardDir, { recursive: true });
    writeFileSync(p.readyFile, 'go');
    const [first, second] = await Promise.all(steps.map((s) => s.exit));

    expect(first.code, steps[0]!.stderr()).toBe(143); // yes died of the SIGTERM the agent sent its group
    expect(steps[0]!.stderr()).toMatch(
      /kiln-agent \[step-0\]: ENOSPC writing the log spool .*0\.spool .*: the command was stopped/,
    );
    expect(termination(p.localTerminationFile(0))).toMatchObject({
      reason: 'AgentIOError',
      message: expect.stringMatching(/^ENOSPC writing the log spool /),
      exitCode: 143,
    });
    expect(existsSync(`${p.postFile(0)}.err`)).toBe(true);
    expect(processEnded(Number(readFileSync(`${root}/gc-pid`, 'utf8')))).toBe(true);

    expect(second.code).toBe(1);
    expect(existsSync(`${root}/ran-1`)).toBe(false);
    expect(termination(p.localTerminationFile(1)).reason).toBe('Skipped');
  });

  it('an empty result on a full disk fails the step instead of recording ""', async () => {
    const root = smallDisk('result');
    const p = kilnPaths(root);
    mkdirSync(p.resultsDir, { recursive: true });
    const script = `yes > filler 2>/dev/null; printf value > ${p.resultFile('r')} 2>/dev/null; exit 0`;
    const step = start(AGENT, stepArgs(root, 0, { results: ['r'] }, ['/bin/sh', '-c', script]), { cwd: root });
    expect((await step.exit).code).toBe(1);
    expect(readFileSync(p.resultFile('r'), 'utf8')).toBe('');
    expect(termination(p.localTerminationFile(0))).toMatchObject({ reason: 'ResultUnreadable', results: {} });
    expect(step.stderr()).toMatch(/result "r" .*empty and its file system has no space left/);
  });

  it('a post file on a read-only mount: exit non-zero, the message names it, a line on stderr', async () => {
    const ro = smallDisk('readonly');
    mkdirSync(join(ro, 'run/0'), { recursive: true });
    execFileSync('mount', ['-o', 'remount,ro', ro]);
    const rw = tempDir('rw');
    const args = [
      'entrypoint',
      F.postFile,
      join(ro, 'run/0/out'),
      F.terminationPath,
      join(rw, 'termination'),
      F.logDir,
      join(rw, 'logs'),
      F.stepName,
      'ro',
      '--',
      '/bin/sh',
      '-c',
      'echo hello',
    ];
    const step = start(AGENT, args);
    expect((await step.exit).code).toBe(1);
    expect(step.stderr()).toMatch(/kiln-agent \[ro\]: EROFS writing the post file .*run\/0\/out\.err/);
    expect(termination(join(rw, 'termination'))).toMatchObject({
      reason: 'AgentIOError',
      message: expect.stringMatching(/^EROFS writing the post file .*run\/0\/out /),
      exitCode: 1,
    });
  });
});
