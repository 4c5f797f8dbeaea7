import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CacheKeyError,
  cacheVersion,
  MAX_KEY_LENGTH,
  selectEntry,
  type CacheEntry,
} from '../../../contract/cache/index.js';
import { HashFilesNoMatchError } from '../../../agent/cache/errors.js';
import { globToRegExp } from '../../../agent/cache/glob.js';
import { hashFiles, matchFiles } from '../../../agent/cache/hash-files.js';
import { evaluateKey } from '../../../agent/cache/key.js';
import { resolveCachePath } from '../../../agent/cache/paths.js';

const entry = (key: string, createdAt: number, version = 'v'): CacheEntry => ({
  key,
  version,
  createdAt,
  digest: 'a'.repeat(64),
  size: 1,
  format: 'tar+gzip',
});

describe('selectEntry', () => {
  const entries = [
    entry('npm-linux-aaa', 1),
    entry('npm-linux-bbb', 3),
    entry('npm-linux-ccc', 2),
    entry('npm-mac-zzz', 9),
    entry('npm-linux-exact', 0, 'other'),
  ];
  it('takes the exact key over any newer prefix match', () => {
    expect(selectEntry(entries, { key: 'npm-linux-aaa', restoreKeys: ['npm-'], version: 'v' })?.key).toBe(
      'npm-linux-aaa',
    );
  });
  it('falls back to the newest entry of the first restore key that matches', () => {
    expect(selectEntry(entries, { key: 'npm-linux-new', restoreKeys: ['npm-linux-', 'npm-'], version: 'v' })?.key).toBe(
      'npm-linux-bbb',
    );
    expect(selectEntry(entries, { key: 'x', restoreKeys: ['nothing-', 'npm-'], version: 'v' })?.key).toBe(
      'npm-mac-zzz',
    );
  });
  it('never matches an entry of another version (paths or format)', () => {
    expect(selectEntry(entries, { key: 'npm-linux-exact', restoreKeys: [], version: 'v' })).toBeNull();
    expect(cacheVersion(['a'], 'tar+gzip')).not.toBe(cacheVersion(['a'], 'tar'));
    expect(cacheVersion(['a'], 'tar+gzip')).not.toBe(cacheVersion(['a', 'b'], 'tar+gzip'));
  });
  it('misses without restore keys', () => {
    expect(selectEntry(entries, { key: 'npm-', restoreKeys: [], version: 'v' })).toBeNull();
  });
});

describe('globToRegExp', () => {
  const cases: [string, string, boolean][] = [
    ['**/package-lock.json', 'package-lock.json', true],
    ['**/package-lock.json', 'a/b/package-lock.json', true],
    ['**/package-lock.json', 'a/b/xpackage-lock.json', false],
    ['*.json', 'a/b.json', false],
    ['src/**', 'src/a/b.c', true],
    ['go.{mod,sum}', 'go.sum', true],
    ['file?.txt', 'file1.txt', true],
    ['file[!0-9].txt', 'file1.txt', false],
    ['a.b', 'aXb', false],
  ];
  it.each(cases)('%s vs %s → %s', (glob, path, want) => expect(globToRegExp(glob).test(path)).toBe(want));
});

describe('hashFiles and key evaluation', () => {
  const workspace = async () => {
    const ws = await mkdtemp(join(tmpdir(), 'kiln-hash-'));
    await mkdir(join(ws, 'app/sub'), { recursive: true });
    await writeFile(join(ws, 'app/package-lock.json'), '{"lockfileVersion":3}');
    await writeFile(join(ws, 'app/sub/package-lock.json'), '{"sub":1}');
    await writeFile(join(ws, 'README.md'), 'hi');
    return ws;
  };

  it('matches sorted workspace-relative files, with exclusions', async () => {
    const ws = await workspace();
    expect(await matchFiles(ws, ['**/package-lock.json'])).toEqual([
      'app/package-lock.json',
      'app/sub/package-lock.json',
    ]);
    expect(await matchFiles(ws, ['**/package-lock.json', '!app/sub/**'])).toEqual(['app/package-lock.json']);
    expect(await matchFiles(ws, ['app/package-lock.json'])).toEqual(['app/package-lock.json']);
  });

  it('answers a pattern without wildcards with a stat, as the walk of an equivalent glob does', async () => {
    const ws = await workspace();
    await mkdir(join(ws, 'node_modules/pkg'), { recursive: true });
    await writeFile(join(ws, 'node_modules/pkg/package-lock.json'), 'deep');
    await symlink('app/package-lock.json', join(ws, 'linked.json'));
    await symlink('app', join(ws, 'linked-dir'));
    // `[x]` makes a glob of the same path: the walk's answer, to compare the stat's with.
    const cases: [string[], string[]][] = [
      [['README.md'], ['READM[E].md']],
      [['app/package-lock.json'], ['app/package-lock.jso[n]']],
      [
        ['app/sub/package-lock.json', 'README.md'],
        ['app/sub/package-lock.jso[n]', 'READM[E].md'],
      ],
      [['app'], ['ap[p]']], // a directory is no file
      [['missing.json'], ['missin[g].json']],
      [['./README.md'], ['./READM[E].md']], // kept as written
      [['app//package-lock.json'], ['app//package-lock.jso[n]']],
      [['linked.json'], ['linke[d].json']], // a symlink to a file counts as the file
      [['linked-dir/package-lock.json'], ['linked-dir/package-lock.jso[n]']],
      [
        ['README.md', '!README.md'],
        ['READM[E].md', '!README.md'],
      ],
      [
        ['app/package-lock.json', '!app/**'],
        ['app/package-lock.jso[n]', '!app/**'],
      ],
    ];
    for (const [literal, glob] of cases) {
      expect(await matchFiles(ws, literal), literal.join(' ')).toEqual(await matchFiles(ws, glob));
    }
    expect(await matchFiles(ws, ['README.md', 'linked.json'])).toEqual(['README.md', 'linked.json']);
  });

  it('changes exactly when a matched file changes', async () => {
    const ws = await workspace();
    const a = await hashFiles(ws, ['**/package-lock.json']);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashFiles(ws, ['app/sub/package-lock.json', 'app/package-lock.json'])).toBe(a);
    await writeFile(join(ws, 'README.md'), 'changed');
    expect(await hashFiles(ws, ['**/package-lock.json'])).toBe(a);
    await writeFile(join(ws, 'app/sub/package-lock.json'), '{"sub":2}');
    expect(await hashFiles(ws, ['**/package-lock.json'])).not.toBe(a);
  });

  it('names the globs and the workspace when nothing matches', async () => {
    const ws = await workspace();
    const err = await hashFiles(ws, ['**/yarn.lock']).catch((e) => e);
    expect(err).toBeInstanceOf(HashFilesNoMatchError);
    expect(err.message).toContain("hashFiles('**/yarn.lock') matched no file under " + ws);
    await expect(hashFiles(ws, ['../etc/passwd'])).rejects.toThrow(CacheKeyError);
  });

  it('evaluates $(hashFiles(...)) inside a key and rejects other references', async () => {
    const ws = await workspace();
    const digest = await hashFiles(ws, ['**/package-lock.json']);
    const hf = (p: string[]) => hashFiles(ws, p);
    expect(await evaluateKey(`npm-$(hashFiles('**/package-lock.json'))-x`, hf)).toBe(`npm-${digest}-x`);
    expect(await evaluateKey(`npm-$(hashFiles( "app/package-lock.json" , 'app/sub/package-lock.json' ))`, hf)).toBe(
      `npm-${digest}`,
    );
    await expect(evaluateKey('npm-$(params.x)', hf)).rejects.toThrow(/unresolved reference at column 5/);
    await expect(evaluateKey("npm-$(hashFiles('a'", hf)).rejects.toThrow(CacheKeyError);
    await expect(evaluateKey('   ', hf)).rejects.toThrow(/empty/);
    await expect(evaluateKey('k'.repeat(MAX_KEY_LENGTH + 1), hf)).rejects.toThrow(/over the 512 limit/);
  });

  it('survives random keys: a key or a CacheKeyError, nothing else (fuzz)', async () => {
    const alphabet = ['$', '(', ')', "'", '"', ',', ' ', 'h', 'hashFiles', '$(hashFiles(', 'a', '*', '\n', '}'];
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    for (let i = 0; i < 2000; i++) {
      const key = Array.from({ length: rand(12) }, () => alphabet[rand(alphabet.length)]).join('');
      const out = await evaluateKey(key, async () => 'H').then(
        (k) => k,
        (e) => e,
      );
      if (out instanceof Error) expect(out).toBeInstanceOf(CacheKeyError);
      else expect(typeof out).toBe('string');
    }
  });
});

describe('resolveCachePath', () => {
  it('expands ~, keeps absolute paths and refuses to leave the workspace', () => {
    expect(resolveCachePath('~/.npm', '/ws', '/home/u')).toBe('/home/u/.npm');
    expect(resolveCachePath('node_modules', '/ws', undefined)).toBe('/ws/node_modules');
    expect(resolveCachePath('/opt/cache', '/ws', undefined)).toBe('/opt/cache');
    expect(() => resolveCachePath('../x', '/ws', undefined)).toThrow(/leaves the workspace/);
    expect(() => resolveCachePath('~/.npm', '/ws', undefined)).toThrow(/no HOME/);
    expect(() => resolveCachePath('.', '/ws', undefined)).toThrow(/whole workspace/);
  });
});
