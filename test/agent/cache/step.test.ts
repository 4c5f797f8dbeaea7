// The entrypoint side: flags in and out, the runner that wraps the step's command, the report.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCacheFlags } from '../../../agent/cache/flags.js';
import { cacheFlagArgs, ENTRYPOINT_FLAGS, parseCacheReport, type CacheSpec } from '../../../contract/index.js';
import { CACHE_HIT_ENV, CachingRunner } from '../../../agent/cache/step.js';
import type { RunOutcome, Runner } from '../../../agent/entrypoint/core.js';
import { AgentUsageError } from '../../../agent/errors.js';

const spec: CacheSpec = {
  key: "npm-$(hashFiles('lock'))",
  restoreKeys: ['npm-', 'a,b'],
  paths: ['node_modules', '~/.npm'],
  policy: 'pull',
};

/** Reads flags back the way the entrypoint's parser hands them over: flag name → value. */
function asGetter(argv: string[]) {
  const byFlag = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) byFlag.set(argv[i]!, argv[i + 1]!);
  return (k: keyof typeof ENTRYPOINT_FLAGS) => byFlag.get(ENTRYPOINT_FLAGS[k]);
}

describe('cache flags', () => {
  it('round-trip through cacheFlagArgs and parseCacheFlags', () => {
    const argv = cacheFlagArgs(spec, { dir: '/c' });
    expect(parseCacheFlags(asGetter(argv))).toEqual({ spec, store: { dir: '/c' }, workspace: undefined });
    const http = cacheFlagArgs(spec, { url: 'http://c', tokenFile: '/t' });
    expect(parseCacheFlags(asGetter(http))?.store).toEqual({ url: 'http://c', tokenFile: '/t' });
    expect(parseCacheFlags(asGetter([]))).toBeUndefined();
  });

  it('name the flag and the fix for bad input', () => {
    const bad = (argv: string[]) => () => parseCacheFlags(asGetter(argv));
    expect(bad(['-cache', '{not json', '-cache_dir', '/c'])).toThrow(/flag -cache: not JSON/);
    expect(bad(['-cache', '{"key":"k","paths":[]}', '-cache_dir', '/c'])).toThrow(/paths is empty/);
    expect(bad(['-cache', '{"key":"k","paths":["a"],"policy":"sometimes"}', '-cache_dir', '/c'])).toThrow(
      /policy "sometimes"/,
    );
    expect(bad(['-cache', '{"key":"k","paths":["a"]}'])).toThrow(AgentUsageError);
    expect(bad(['-cache', '{"key":"k","paths":["a"]}', '-cache_url', 'http://x'])).toThrow(/needs -cache_token_file/);
  });
});

class FakeCommand implements Runner {
  env?: string;
  constructor(
    private readonly exitCode: number,
    private readonly envRef: NodeJS.ProcessEnv,
    private readonly work?: () => Promise<void>,
  ) {}
  async prepare() {}
  async run(): Promise<RunOutcome> {
    this.env = this.envRef[CACHE_HIT_ENV];
    await this.work?.();
    return { exitCode: this.exitCode, timedOut: false };
  }
}

describe('CachingRunner', () => {
  const setup = async () => {
    const root = await mkdtemp(join(tmpdir(), 'kiln-step-'));
    const ws = join(root, 'ws');
    await mkdir(ws);
    await writeFile(join(ws, 'lock'), 'v1');
    return {
      root,
      ws,
      flags: {
        spec: { ...spec, policy: 'pull-push' as const, paths: ['deps'] },
        store: { dir: join(root, 'cache') },
        workspace: ws,
      },
    };
  };
  const request = { command: ['x'], timeoutGraceMs: 1 };

  it('saves after a successful command, not after a failed one, and tells the command about a hit', async () => {
    const { ws, flags } = await setup();
    const lines: string[] = [];
    const env: NodeJS.ProcessEnv = {};
    const failing = new FakeCommand(3, env, () => writeFile(join(ws, 'deps'), 'built'));
    const failed = await new CachingRunner(failing, flags, (l) => lines.push(l), env).run(request);
    expect(failed.exitCode).toBe(3);
    expect(failed.cache).toMatchObject({ hit: false });
    expect(failed.cache?.saved).toBeUndefined();

    const ok = new FakeCommand(0, env);
    expect((await new CachingRunner(ok, flags, (l) => lines.push(l), env).run(request)).cache).toMatchObject({
      hit: false,
      saved: true,
    });
    expect(ok.env).toBe('false');

    const again = new FakeCommand(0, env);
    expect((await new CachingRunner(again, flags, (l) => lines.push(l), env).run(request)).cache).toMatchObject({
      hit: true,
      saved: false,
    });
    expect(again.env).toBe('true');
  });

  it('fails the step, without running it, when the key cannot be evaluated', async () => {
    const { ws, flags } = await setup();
    const cmd = new FakeCommand(0, {});
    const out = await new CachingRunner(
      cmd,
      { ...flags, spec: { ...flags.spec, key: "k-$(hashFiles('nope/**'))" } },
      () => {},
      {},
    ).run(request);
    expect(out.exitCode).toBe(1);
    expect(out.spawnError).toContain(`hashFiles('nope/**') matched no file under ${ws}`);
    expect(cmd.env).toBeUndefined();
  });
});

describe('CachingRunner without a usable store', () => {
  it('warns and runs the command uncached when the token file is missing', async () => {
    const lines: string[] = [];
    const env: NodeJS.ProcessEnv = {};
    const cmd = new FakeCommand(0, env);
    const flags = {
      spec: { ...spec, paths: ['deps'] },
      store: { url: 'http://127.0.0.1:9', tokenFile: '/nonexistent/token' },
    };
    expect(
      (await new CachingRunner(cmd, flags, (l) => lines.push(l), env).run({ command: ['x'], timeoutGraceMs: 1 }))
        .exitCode,
    ).toBe(0);
    expect(cmd.env).toBe('false');
    expect(lines.join('\n')).toMatch(/warning: no cache for this step: .*\/nonexistent\/token/);
  });
});

describe('CachingRunner with the collector as its store', () => {
  it('loads the HTTP store for a URL: an unreachable collector is a warning and a miss, the command runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-cache-http-'));
    await writeFile(join(dir, 'token'), 'run-token\n');
    await writeFile(join(dir, 'lock'), '{}');
    const lines: string[] = [];
    const env: NodeJS.ProcessEnv = {};
    const cmd = new FakeCommand(0, env);
    const flags = {
      spec: { ...spec, paths: ['deps'] },
      store: { url: 'http://127.0.0.1:9', tokenFile: join(dir, 'token') },
      workspace: dir,
    };
    const out = await new CachingRunner(cmd, flags, (l) => lines.push(l), env).run({
      command: ['x'],
      timeoutGraceMs: 1,
    });
    expect(out.exitCode).toBe(0);
    expect(out.cache).toMatchObject({ hit: false, matchedKey: null });
    expect(cmd.env).toBe('false');
    expect(lines.join('\n')).toMatch(/cache: warning: restore of "npm-.*" skipped: .*127\.0\.0\.1:9/);
  });
});

describe('parseCacheReport', () => {
  it('reads a record and rejects anything else', () => {
    const r = { key: 'k', matchedKey: null, hit: false, restoredBytes: 0, seconds: 0.1, saved: true };
    expect(parseCacheReport(JSON.stringify(r))).toEqual(r);
    for (const bad of ['', 'null', '[]', '{"key":1}', JSON.stringify({ ...r, hit: 'yes' }), 'x'.repeat(10_000)]) {
      expect(parseCacheReport(bad)).toBeUndefined();
    }
  });
});
