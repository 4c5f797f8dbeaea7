import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEntrypointArgs } from '../../../agent/entrypoint/options.js';
import { readTermination } from '../../../contract/index.js';
import { runWith, type World } from './fakes.js';

describe('runEntrypoint', () => {
  it('waits for every file in order, runs, then writes termination, exit code and post file last', async () => {
    const { events, result } = await runWith(['-wait_file', '/k/a,/k/b', '-wait_file_content', '-timeout', '1m'], {});
    expect(events).toEqual([
      'prepare',
      'reserve /k/term',
      'mkdir /k/run/1/status',
      'wait /k/a (content)',
      'wait /k/b (content)',
      'run make all timeout=60000',
      'write /k/term',
      'write /k/run/1/status/exitCode',
      'post /k/run/1/out',
    ]);
    expect(result.exitCode).toBe(0);
  });

  const failed = (exitCode: number, timedOut = false): World => ({ run: { exitCode, timedOut } });
  const skipped: World = { waits: { '/k/run/0/out': 'skip' } };
  const notFound: World = { run: { exitCode: 127, timedOut: false, spawnError: 'cannot run "make": ENOENT' } };
  const OK = '/k/run/1/out';
  const ERR = '/k/run/1/out.err';
  // [name, flags, world, agent exit, exitCode file, post file written, Reason, command ran]
  const table: [string, string[], World, number, string, string, string | undefined, boolean][] = [
    ['success', [], {}, 0, '0', OK, undefined, true],
    ['failure stops the chain', [], failed(3), 3, '3', ERR, undefined, true],
    [
      'on_error continue records the failure and lets the next step run',
      ['-on_error', 'continue'],
      failed(3),
      0,
      '3',
      OK,
      undefined,
      true,
    ],
    [
      'on_error stopAndFail is the default behaviour',
      ['-on_error', 'stopAndFail'],
      failed(5),
      5,
      '5',
      ERR,
      undefined,
      true,
    ],
    ['a wait file .err skips the command', ['-wait_file', '/k/run/0/out'], skipped, 1, '1', ERR, 'Skipped', false],
    [
      'a skip is not turned into success by on_error continue',
      ['-wait_file', '/k/run/0/out', '-on_error', 'continue'],
      skipped,
      1,
      '1',
      ERR,
      'Skipped',
      false,
    ],
    [
      'timeout fails with TimeoutExceeded',
      ['-timeout', '2s'],
      failed(143, true),
      143,
      '143',
      ERR,
      'TimeoutExceeded',
      true,
    ],
    [
      'on_error continue does not cover a timeout',
      ['-timeout', '2s', '-on_error', 'continue'],
      failed(143, true),
      143,
      '143',
      ERR,
      'TimeoutExceeded',
      true,
    ],
    [
      'on_error continue does not cover a command that cannot start',
      ['-on_error', 'continue'],
      notFound,
      127,
      '127',
      ERR,
      'CommandNotRunnable',
      true,
    ],
    ['a command that cannot start', [], notFound, 127, '127', ERR, 'CommandNotRunnable', true],
  ];
  const cases = table.map(([name, flags, world, exit, exitCodeFile, post, reason, ran]) => ({
    name,
    flags,
    world,
    exit,
    exitCodeFile,
    post,
    reason,
    ran,
  }));
  for (const c of cases) {
    it(c.name, async () => {
      const { result, events, termination, exitCodeFile } = await runWith(c.flags, c.world);
      expect(result.exitCode).toBe(c.exit);
      expect(exitCodeFile).toBe(c.exitCodeFile);
      expect(events.at(-1)).toBe(`post ${c.post}`);
      expect(events.some((e) => e.startsWith('run '))).toBe(c.ran);
      expect(termination.find((e) => e.key === 'Reason')?.value).toBe(c.reason);
      expect(termination.find((e) => e.key === 'ExitCode')).toEqual({
        key: 'ExitCode',
        value: c.exitCodeFile,
        type: 3,
      });
      expect(termination.some((e) => e.key === 'StartedAt')).toBe(c.ran);
    });
  }

  it('puts results in the termination message as type 1, skipping missing ones', async () => {
    const { termination, result } = await runWith(['-results', 'digest,absent,url'], {
      files: { '/k/results/digest': 'sha256:abc', '/k/results/url': 'https://x' },
    });
    expect(result.exitCode).toBe(0);
    expect(termination).toEqual([
      { key: 'StartedAt', value: '2026-01-02T03:04:05.000Z', type: 3 },
      { key: 'ExitCode', value: '0', type: 3 },
      { key: 'digest', value: 'sha256:abc', type: 1 },
      { key: 'url', value: 'https://x', type: 1 },
    ]);
  });

  it("puts the cache's record in the termination message as internal entry kiln.cache", async () => {
    const cache = { key: 'npm-abc', matchedKey: 'npm-ab', hit: false, restoredBytes: 12, seconds: 0.5, saved: true };
    const { termination, result } = await runWith(['-results', 'digest'], {
      run: { exitCode: 0, timedOut: false, cache },
      files: { '/k/results/digest': 'sha' },
    });
    expect(result.exitCode).toBe(0);
    expect(termination.filter((e) => e.key === 'kiln.cache')).toEqual([
      { key: 'kiln.cache', value: JSON.stringify(cache), type: 3 },
    ]);
    expect(termination.find((e) => e.key === 'digest')?.value).toBe('sha');
  });

  it('leaves the cache record out, with a warning, when it would push fitting results over 4096 bytes', async () => {
    const cache = { key: 'k'.repeat(500), matchedKey: null, hit: false, restoredBytes: 0, seconds: 0 };
    const { termination, result, warnings } = await runWith(['-results', 'big'], {
      run: { exitCode: 0, timedOut: false, cache },
      files: { '/k/results/big': 'x'.repeat(3800) },
    });
    expect(result.exitCode).toBe(0);
    expect(termination.some((e) => e.key === 'kiln.cache')).toBe(false);
    expect(termination.find((e) => e.key === 'big')?.value).toHaveLength(3800);
    expect(warnings.join('\n')).toMatch(/cache record does not fit/);
  });

  it('fails a step whose result is over 4096 bytes, naming the result and its size', async () => {
    const { result, termination, warnings, events } = await runWith(['-results', 'small,big'], {
      files: { '/k/results/small': 'ok', '/k/results/big': 'x'.repeat(5000) },
    });
    expect(result.exitCode).toBe(1);
    expect(events.at(-1)).toBe('post /k/run/1/out.err');
    expect(termination.find((e) => e.key === 'Reason')?.value).toBe('ResultTooLarge');
    expect(termination.some((e) => e.type === 1)).toBe(false);
    expect(warnings.join('\n')).toMatch(/result "big" is 5000 bytes, over the 4096-byte/);
  });

  it('fails when results fit one by one but not together, naming the largest', async () => {
    const { result, warnings } = await runWith(['-results', 'a,b'], {
      files: { '/k/results/a': 'a'.repeat(2500), '/k/results/b': 'b'.repeat(2600) },
    });
    expect(result.exitCode).toBe(1);
    expect(warnings.join('\n')).toMatch(
      /termination message, over the 4096-byte limit; the largest is "b" \(2600 bytes\)/,
    );
  });

  it('fails an oversized result even with on_error continue', async () => {
    const { result, events } = await runWith(['-results', 'big', '-on_error', 'continue'], {
      files: { '/k/results/big': 'x'.repeat(4097) },
    });
    expect(result.exitCode).toBe(1);
    expect(events.at(-1)).toBe('post /k/run/1/out.err');
  });

  it('fails, naming the result, when a result file cannot be read', async () => {
    const { result, events, termination, warnings } = await runWith(['-results', 'unreadable'], {});
    expect(result.exitCode).toBe(1);
    expect(events.at(-1)).toBe('post /k/run/1/out.err');
    expect(termination.find((e) => e.key === 'Reason')?.value).toBe('ResultUnreadable');
    expect(warnings.join('\n')).toMatch(/cannot read result "unreadable" at \/k\/results\/unreadable: EISDIR/);
  });

  it('keeps the command exit code when it failed and a result is also too large', async () => {
    const { result, exitCodeFile } = await runWith(['-results', 'big'], {
      run: { exitCode: 4, timedOut: false },
      files: { '/k/results/big': 'x'.repeat(4097) },
    });
    expect(result.exitCode).toBe(4);
    expect(exitCodeFile).toBe('4');
  });

  it("keeps the message within -termination_limit (the Pod's share of 12 KiB), failing a result over it", async () => {
    const { result, warnings } = await runWith(['-termination_limit', '2457', '-results', 'r'], {
      files: { '/k/results/r': 'x'.repeat(3000) },
    });
    expect(result.exitCode).toBe(1);
    expect(warnings.join('\n')).toMatch(/result "r" is 3000 bytes, over the 2457-byte/);
  });

  it('moves what does not fit -termination_limit to the result store', async () => {
    const STORE = ['-results_url', 'http://c/v1/runs/r/taskruns/t/results', '-results_token_file', '/k/token'];
    const { result, stored, termination } = await runWith([...STORE, '-termination_limit', '2457', '-results', 'a'], {
      files: { '/k/results/a': 'x'.repeat(3000) },
      store: {},
    });
    expect(result.exitCode).toBe(0);
    expect([...stored.keys()]).toEqual(['a']);
    expect(JSON.stringify(termination).length).toBeLessThanOrEqual(2457);
  });

  describe('with a result store (-results_url)', () => {
    const STORE = ['-results_url', 'http://c/v1/runs/r/taskruns/t/results', '-results_token_file', '/k/token'];

    it('stores only what does not fit, largest first, and the message references it', async () => {
      const files = {
        '/k/results/small': 'ok',
        '/k/results/big': 'é'.repeat(300_000),
        '/k/results/mid': 'm'.repeat(3000),
        '/k/results/fits': 'f'.repeat(900),
      };
      const { result, termination, stored, events } = await runWith([...STORE, '-results', 'small,big,mid,fits'], {
        files,
        store: {},
      });
      expect(result.exitCode).toBe(0);
      expect([...stored.keys()]).toEqual(['big', 'mid']);
      expect(stored.get('big')).toBe(files['/k/results/big']);
      expect(events.indexOf('store big')).toBeLessThan(events.indexOf('write /k/term'));
      const read = readTermination(JSON.stringify(termination))!;
      expect(read.results).toEqual({ small: 'ok', fits: files['/k/results/fits'] });
      expect(read.stored).toEqual([
        { name: 'big', size: 600_000, sha256: createHash('sha256').update(files['/k/results/big']).digest('hex') },
        { name: 'mid', size: 3000, sha256: createHash('sha256').update(files['/k/results/mid']).digest('hex') },
      ]);
      expect(JSON.stringify(termination).length).toBeLessThanOrEqual(4096);
    });

    it('stores nothing when everything fits', async () => {
      const { result, stored, termination } = await runWith([...STORE, '-results', 'a'], {
        files: { '/k/results/a': 'x'.repeat(3900) },
        store: {},
      });
      expect(result.exitCode).toBe(0);
      expect(stored.size).toBe(0);
      expect(readTermination(JSON.stringify(termination))!.results.a).toHaveLength(3900);
    });

    it('fails the step, naming the result and where, when the store cannot keep it', async () => {
      const { result, termination, warnings, events } = await runWith([...STORE, '-results', 'big'], {
        files: { '/k/results/big': 'x'.repeat(5000) },
        store: { down: true },
      });
      expect(result.exitCode).toBe(1);
      expect(events.at(-1)).toBe('post /k/run/1/out.err');
      expect(termination.find((e) => e.key === 'Reason')?.value).toBe('ResultNotStored');
      expect(warnings.join('\n')).toMatch(
        /result "big" \(5000 bytes, too large for the termination message\) could not be stored at http:\/\/c\/r: ECONNREFUSED/,
      );
    });

    it('fails a result over the 1 MiB the collector keeps', async () => {
      const { result, warnings, stored } = await runWith([...STORE, '-results', 'huge'], {
        files: { '/k/results/huge': 'x'.repeat(1024 * 1024 + 1) },
        store: {},
      });
      expect(result.exitCode).toBe(1);
      expect(stored.size).toBe(0);
      expect(warnings.join('\n')).toMatch(/result "huge" is 1048577 bytes, over the 1048576-byte/);
    });

    it('needs both flags', () => {
      expect(() => parseEntrypointArgs(['-results_url', 'http://c/x', '--', 'true'])).toThrow(
        'flag -results_token_file is needed with -results_url',
      );
      expect(() =>
        parseEntrypointArgs(['-results_url', 'file:///x', '-results_token_file', '/t', '--', 'true']),
      ).toThrow('is not an http(s) URL');
    });
  });
});
