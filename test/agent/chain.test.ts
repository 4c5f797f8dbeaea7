// Real dist/kiln-agent processes sequenced by wait and post files, as steps of one pod.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { kilnPaths } from '../../contract/index.js';
import { AGENT, readJson, requireBuilt, start, stepArgs, tempDir } from './helpers.js';
import { decodeSpool } from './spool-decode.js';

beforeAll(() => requireBuilt(AGENT));

/** Starts one agent per command, all at once, step i waiting on step i-1 (step 0 on the go-ahead). */
function chain(root: string, commands: string[], flags: Parameters<typeof stepArgs>[2][] = []) {
  const p = kilnPaths(root);
  return commands.map((cmd, i) =>
    start(
      AGENT,
      stepArgs(root, i, { wait: [i === 0 ? p.readyFile : p.postFile(i - 1)], waitContent: i === 0, ...flags[i] }, [
        '/bin/sh',
        '-c',
        cmd,
      ]),
      {
        cwd: root,
      },
    ),
  );
}

describe('a chain of steps', () => {
  it('runs three steps in order, only after the go-ahead, and records each', async () => {
    const root = tempDir('chain');
    const p = kilnPaths(root);
    const steps = chain(
      root,
      ['echo a >> order', 'echo b >> order; printf v1 > results/r1', 'echo c >> order'],
      [{}, { results: ['r1'] }, {}],
    );
    mkdirSync(p.resultsDir, { recursive: true });
    mkdirSync(p.downwardDir, { recursive: true });
    writeFileSync(p.readyFile, 'go');
    const exits = await Promise.all(steps.map((s) => s.exit));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    expect(readFileSync(`${root}/order`, 'utf8')).toBe('a\nb\nc\n');
    for (let i = 0; i < 3; i++) {
      expect(existsSync(p.postFile(i))).toBe(true);
      expect(readFileSync(p.exitCodeFile(i), 'utf8')).toBe('0');
    }
    expect(readJson(p.localTerminationFile(1))).toContainEqual({ key: 'r1', value: 'v1', type: 1 });
  });

  it('skips the rest of the chain after a failure: no command runs, every later step writes .err', async () => {
    const root = tempDir('skip');
    const p = kilnPaths(root);
    const steps = chain(root, ['exit 0', 'echo failing; exit 4', 'touch ran-2', 'touch ran-3']);
    mkdirSync(p.downwardDir, { recursive: true });
    writeFileSync(p.readyFile, 'go');
    const exits = await Promise.all(steps.map((s) => s.exit));
    expect(exits.map((e) => e.code)).toEqual([0, 4, 1, 1]);
    expect(existsSync(`${root}/ran-2`) || existsSync(`${root}/ran-3`)).toBe(false);
    expect(
      [0, 1, 2, 3].map((i) => (existsSync(p.postFile(i)) ? 'ok' : existsSync(`${p.postFile(i)}.err`) ? 'err' : 'none')),
    ).toEqual(['ok', 'err', 'err', 'err']);
    expect(readJson(p.localTerminationFile(2))).toContainEqual({ key: 'Reason', value: 'Skipped', type: 3 });
    expect(steps[2].stderr()).toMatch(/skipped/);
    // The agent's own message reaches the log spool too, where the log proxy ships it from.
    expect(decodeSpool(readFileSync(p.spoolFile(2))).map((r) => `${r.stream}:${r.payload}`)).toEqual([
      `e:kiln-agent [step-2]: skipped: ${p.postFile(1)}.err says an earlier step failed`,
    ]);
  });

  it('with -on_error continue, a failing step records its exit code and the next step runs', async () => {
    const root = tempDir('continue');
    const p = kilnPaths(root);
    const steps = chain(root, ['exit 6', 'touch ran-1'], [{ onError: 'continue' }, {}]);
    mkdirSync(p.downwardDir, { recursive: true });
    writeFileSync(p.readyFile, 'go');
    const exits = await Promise.all(steps.map((s) => s.exit));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    expect(readFileSync(p.exitCodeFile(0), 'utf8')).toBe('6');
    expect(existsSync(p.postFile(0))).toBe(true);
    expect(existsSync(`${root}/ran-1`)).toBe(true);
  });

  it('fails a step whose result is too large, naming it, and keeps the data out of the message', async () => {
    const root = tempDir('bigresult');
    const p = kilnPaths(root);
    mkdirSync(p.resultsDir, { recursive: true });
    const step = start(
      AGENT,
      stepArgs(root, 0, { results: ['blob'] }, ['/bin/sh', '-c', `head -c 5000 /dev/zero > ${p.resultFile('blob')}`]),
    );
    expect((await step.exit).code).toBe(1);
    expect(step.stderr()).toMatch(/result "blob" is 5000 bytes, over the 4096-byte termination message limit/);
    expect(existsSync(`${p.postFile(0)}.err`)).toBe(true);
    expect(readJson(p.localTerminationFile(0))).toContainEqual({ key: 'Reason', value: 'ResultTooLarge', type: 3 });
    expect(
      decodeSpool(readFileSync(p.spoolFile(0)))
        .at(-1)!
        .payload.toString(),
    ).toMatch(/result "blob" is 5000 bytes/);
  });

  it('exits 127 with a clear message when the command does not exist', async () => {
    const root = tempDir('enoent');
    const step = start(AGENT, stepArgs(root, 0, {}, ['/no/such/command']));
    expect((await step.exit).code).toBe(127);
    expect(step.stderr()).toMatch(/cannot run "\/no\/such\/command"/);
    expect(existsSync(`${kilnPaths(root).postFile(0)}.err`)).toBe(true);
  });
});
