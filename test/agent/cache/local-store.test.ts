import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile, mkdtemp, mkdir, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeArchive } from '../../../agent/cache/archive.js';
import { restoreCache, saveCache, type StepCacheOptions } from '../../../agent/cache/cache.js';
import { LocalCacheStore } from '../../../agent/cache/local-store.js';
import type { CacheSpec } from '../../../syntax/model.js';
import { describeTree, makeTree } from './tree.js';

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-cache-'));
  const ws = join(dir, 'ws');
  const home = join(dir, 'home');
  await mkdir(ws, { recursive: true });
  await writeFile(join(ws, 'package-lock.json'), '{"v":1}');
  return { dir, ws, home, cacheDir: join(dir, 'cache') };
}

const spec = (over: Partial<CacheSpec> = {}): CacheSpec => ({
  key: "npm-$(hashFiles('package-lock.json'))",
  restoreKeys: ['npm-'],
  paths: ['node_modules', '~/.npm'],
  policy: 'pull-push',
  ...over,
});

function options(ws: string, home: string, store: LocalCacheStore, s = spec()) {
  const lines: string[] = [];
  const o: StepCacheOptions = { spec: s, workspace: ws, home, store, log: (l) => lines.push(l) };
  return { o, lines };
}

describe('local cache store', () => {
  it('round-trips trees byte-identical with modes, symlinks and mtimes, into a fresh workspace', async () => {
    const a = await setup();
    await makeTree(join(a.ws, 'node_modules'));
    await makeTree(join(a.home, '.npm'), 'z');
    const store = new LocalCacheStore(a.cacheDir);
    const first = options(a.ws, a.home, store);
    const state = await restoreCache(first.o);
    expect(state.record).toMatchObject({ hit: false, matchedKey: null, restoredBytes: 0 });
    const saved = await saveCache(first.o, state);
    expect(saved.saved).toBe(true);

    const b = await setup();
    const second = options(b.ws, b.home, new LocalCacheStore(a.cacheDir));
    const restored = await restoreCache(second.o);
    expect(restored.record).toMatchObject({ hit: true, matchedKey: state.key, key: state.key });
    expect(restored.record.restoredBytes).toBeGreaterThan(0);
    expect(await describeTree(join(b.ws, 'node_modules'))).toEqual(await describeTree(join(a.ws, 'node_modules')));
    expect(await describeTree(join(b.home, '.npm'))).toEqual(await describeTree(join(a.home, '.npm')));
    expect(
      (await describeTree(join(b.ws, 'node_modules'))).some((l) => l.startsWith('F pkg/group-writable 664 ')),
    ).toBe(true);
    // An exact hit saves nothing: entries are immutable.
    expect((await saveCache(second.o, restored)).saved).toBe(false);
  });

  it('falls back to the newest restore-key match and saves under the new key', async () => {
    const a = await setup();
    let clock = 1000;
    const store = new LocalCacheStore(a.cacheDir, undefined, () => clock++);
    const save = async (lock: string, seed: string) => {
      const w = await setup();
      await writeFile(join(w.ws, 'package-lock.json'), lock);
      const { o } = options(w.ws, w.home, store, spec({ paths: ['node_modules'] }));
      const state = await restoreCache(o);
      await makeTree(join(w.ws, 'node_modules'), seed); // the step's install, after the restore
      return saveCache(o, state);
    };
    await save('{"old":1}', 'o');
    await save('{"new":1}', 'n');
    const b = await setup();
    await writeFile(join(b.ws, 'package-lock.json'), '{"newest":1}');
    const { o, lines } = options(b.ws, b.home, store, spec({ paths: ['node_modules'] }));
    const state = await restoreCache(o);
    expect(state.record.hit).toBe(false);
    expect(JSON.parse(await readFile(join(b.ws, 'node_modules/pkg/package.json'), 'utf8')).seed).toBe('n');
    expect(lines.join('\n')).toContain('a restore-key match');
    // The log names the hashFiles key by its first 12 digits; the record keeps it whole.
    expect(state.record.key).toMatch(/^npm-[0-9a-f]{64}$/);
    expect(lines.join('\n')).toContain(`a restore-key match for "${state.record.key.slice(0, 16)}…"`);
    expect((await saveCache(o, state)).saved).toBe(true);
    expect((await store.list()).length).toBe(3);
  });

  it('looks the exact key up by name: a hit beats a newer restore-key match; a damaged one is passed over', async () => {
    const a = await setup();
    let clock = 1000;
    const store = new LocalCacheStore(a.cacheDir, undefined, () => clock++);
    const lookup = (key: string) => store.lookup({ key, restoreKeys: ['npm-'], version: 'v' });
    const save = (key: string) =>
      store.save({ key, version: 'v', format: 'tar' }, async (sink) => {
        await new Promise<void>((done) => sink.end(Buffer.from(key), done));
        return { digest: createHash('sha256').update(key).digest('hex'), size: key.length };
      });
    await save('npm-exact');
    await save('npm-newer');
    expect((await lookup('npm-exact'))?.key).toBe('npm-exact');
    expect((await store.lookup({ key: 'npm-exact', restoreKeys: [], version: 'other' }))?.key).toBeUndefined();
    const exactFile = (await store.list()).find((s) => s.entry.key === 'npm-exact')!.file;
    await writeFile(exactFile, '{"key": "npm-exact", "damaged": true}');
    expect((await lookup('npm-exact'))?.key).toBe('npm-newer');
  });

  it('follows the policy: pull never saves, push never restores and saves only a new key', async () => {
    const a = await setup();
    const store = new LocalCacheStore(a.cacheDir);
    await makeTree(join(a.ws, 'node_modules'));
    const pull = options(a.ws, a.home, store, spec({ policy: 'pull', paths: ['node_modules'] }));
    expect((await saveCache(pull.o, await restoreCache(pull.o))).saved).toBe(false);
    expect(await store.list()).toHaveLength(0);

    const push = options(a.ws, a.home, store, spec({ policy: 'push', paths: ['node_modules'] }));
    expect((await saveCache(push.o, await restoreCache(push.o))).saved).toBe(true);
    const b = await setup();
    const again = options(b.ws, b.home, store, spec({ policy: 'push', paths: ['node_modules'] }));
    const state = await restoreCache(again.o);
    expect(state.record.matchedKey).toBeNull();
    expect(await stat(join(b.ws, 'node_modules')).catch(() => null)).toBeNull();
    await makeTree(join(b.ws, 'node_modules'), 'other');
    expect((await saveCache(again.o, state)).saved).toBe(false);
    expect(again.lines.join('\n')).toContain('the key already has an entry');
  });

  it('treats a corrupt or truncated entry as a miss with a warning and never extracts it', async () => {
    for (const damage of ['flip', 'truncate'] as const) {
      const a = await setup();
      await makeTree(join(a.ws, 'node_modules'));
      const store = new LocalCacheStore(a.cacheDir);
      const { o } = options(a.ws, a.home, store, spec({ paths: ['node_modules'] }));
      await saveCache(o, await restoreCache(o));
      const [blob] = await readdir(join(a.cacheDir, 'blobs'));
      const file = join(a.cacheDir, 'blobs', blob);
      const bytes = await readFile(file);
      if (damage === 'flip') bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      await writeFile(file, damage === 'flip' ? bytes : bytes.subarray(0, bytes.length - 100));

      const b = await setup();
      const second = options(b.ws, b.home, store, spec({ paths: ['node_modules'] }));
      const state = await restoreCache(second.o);
      expect(state.record).toMatchObject({ hit: false, matchedKey: null, restoredBytes: 0 });
      expect(second.lines.join('\n')).toMatch(
        /warning: restore of "npm-[0-9a-f]{12}…" skipped: cache entry .* (is corrupt|does not decode)/,
      );
      expect(await stat(join(b.ws, 'node_modules')).catch(() => null)).toBeNull();
      expect((await readdir(b.ws)).filter((n) => n.startsWith('.kiln-restore-'))).toEqual([]);
    }
  });

  it('leaves one whole entry when several runs save one key at once', async () => {
    const a = await setup();
    const store = new LocalCacheStore(a.cacheDir);
    const runs = await Promise.all(
      ['p', 'q', 'r', 's'].map(async (seed) => {
        const w = await setup();
        await makeTree(join(w.ws, 'node_modules'), seed);
        const { o } = options(w.ws, w.home, new LocalCacheStore(a.cacheDir), spec({ paths: ['node_modules'] }));
        return { w, o, state: await restoreCache(o) };
      }),
    );
    const outcomes = await Promise.all(runs.map((r) => saveCache(r.o, r.state)));
    expect(outcomes.filter((x) => x.saved)).toHaveLength(1);
    expect(await store.list()).toHaveLength(1);
    const winner = runs[outcomes.findIndex((x) => x.saved)];
    const b = await setup();
    const { o } = options(b.ws, b.home, store, spec({ paths: ['node_modules'] }));
    expect((await restoreCache(o)).record.hit).toBe(true);
    expect(await describeTree(join(b.ws, 'node_modules'))).toEqual(
      await describeTree(join(winner.w.ws, 'node_modules')),
    );
    expect(await readdir(join(a.cacheDir, 'tmp'))).toEqual([]);
  });

  it('evicts least recently used entries past the size limit and entries unused too long', async () => {
    const a = await setup();
    let now = Date.now();
    const probe = new LocalCacheStore(join(a.dir, 'probe'));
    const sizeOf = async (seed: string) => {
      const w = await setup();
      await makeTree(join(w.ws, 'node_modules'), seed);
      const outcome = await probe.save({ key: seed, version: 'v', format: 'tar+gzip' }, (sink) =>
        writeArchive([join(w.ws, 'node_modules')], 'tar+gzip', sink),
      );
      return outcome.entry!.size;
    };
    const one = await sizeOf('x');
    const store = new LocalCacheStore(
      a.cacheDir,
      { maxBytes: Math.floor(one * 3.5), maxAgeMs: 10 * 24 * 3600e3 },
      () => now,
    );
    const saveKey = async (k: string) => {
      const w = await setup();
      await makeTree(join(w.ws, 'node_modules'), k);
      const { o } = options(w.ws, w.home, store, spec({ key: k, restoreKeys: [], paths: ['node_modules'] }));
      o.now = () => now;
      return saveCache(o, await restoreCache(o));
    };
    for (const k of ['a', 'b', 'c']) {
      expect((await saveKey(k)).saved).toBe(true);
      now += 1000;
    }
    // Using "a" makes "b" the least recently used.
    const entryA = (await store.list()).find((s) => s.entry.key === 'a')!;
    (await store.open(entryA.entry)).destroy();
    now += 1000;
    expect((await saveKey('d')).saved).toBe(true);
    const keys = (await store.list()).map((s) => s.entry.key).sort();
    expect(keys).toEqual(['a', 'c', 'd']);
    expect(await readdir(join(a.cacheDir, 'blobs'))).toHaveLength(3);

    // Ten days on, only what was used since survives.
    now += 11 * 24 * 3600e3;
    const d = (await store.list()).find((s) => s.entry.key === 'd')!;
    const t = new Date(now);
    await utimes(d.file, t, t);
    const { removed } = await store.evict();
    expect(removed.sort()).toEqual(['a', 'c']);
    expect((await store.list()).map((s) => s.entry.key)).toEqual(['d']);
  });
});
