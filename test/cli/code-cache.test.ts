// The CLI's V8 code cache (cli/code-cache.ts, cli/launch.ts): a cache is used when intact, and a
// missing, truncated, altered or foreign one is ignored — the command runs all the same and the
// cache is written anew when it ends. The built CLI (npm run build) runs in real processes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeCacheDir, codeCacheFile, readCodeCache, writeCodeCache } from '../../cli/code-cache.js';

const ROOT = join(import.meta.dirname, '../..');

function kiln(cacheDir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/kiln.js'), ...args], {
    cwd: cacheDir,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, KILN_CODE_CACHE_DIR: cacheDir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const scratch = () => mkdtempSync(join(tmpdir(), 'kiln-code-cache-'));

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/kiln.mjs')))
    spawnSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
});

describe('code cache files', () => {
  it('reads back what it wrote, and nothing from a missing, truncated or altered file', () => {
    const dir = scratch();
    const file = codeCacheFile(dir, 'HASH', 'run');
    expect(readCodeCache(file)).toBeUndefined();
    const data = Buffer.from('compiled code, as V8 would give it');
    writeCodeCache(file, data, dir);
    expect(readCodeCache(file)).toEqual(data);
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, whole.length - 1));
    expect(readCodeCache(file)).toBeUndefined();
    const altered = Buffer.from(whole);
    altered[altered.length - 1]! ^= 1;
    writeFileSync(file, altered);
    expect(readCodeCache(file)).toBeUndefined();
    writeFileSync(file, 'not a cache');
    expect(readCodeCache(file)).toBeUndefined();
  });

  it('names a file by bundle and command, any other first argument sharing one file', () => {
    expect(codeCacheFile('/c', 'H1', 'run')).toBe('/c/H1-run.v8');
    expect(codeCacheFile('/c', 'H1', '--version')).toBe('/c/H1-other.v8');
    expect(codeCacheFile('/c', 'H1', '../../etc/passwd')).toBe('/c/H1-other.v8');
    expect(codeCacheFile('/c', 'H1', undefined)).toBe('/c/H1-other.v8');
  });

  it('lives under $KILN_CODE_CACHE_DIR, else the XDG cache; empty turns it off', () => {
    expect(codeCacheDir({ KILN_CODE_CACHE_DIR: '/x' })).toBe('/x');
    expect(codeCacheDir({ KILN_CODE_CACHE_DIR: '' })).toBeNull();
    expect(codeCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/kiln/code-cache');
  });

  it("removes other builds' files a day old when it writes, and keeps recent ones", () => {
    const dir = scratch();
    writeFileSync(join(dir, 'OLD-run.v8'), 'x');
    writeFileSync(join(dir, 'RECENT-run.v8'), 'x');
    const dayAgo = (Date.now() - 25 * 3600_000) / 1000;
    utimesSync(join(dir, 'OLD-run.v8'), dayAgo, dayAgo);
    writeCodeCache(codeCacheFile(dir, 'NEW', 'run'), Buffer.from('x'), dir);
    expect(readdirSync(dir).sort()).toEqual(['NEW-run.v8', 'RECENT-run.v8']);
  });
});

describe('kiln with a code cache', () => {
  it('writes the cache on its first run, then runs from it; a corrupt or foreign cache is ignored and rewritten', () => {
    const dir = scratch();
    const first = kiln(dir, 'validate', '--help');
    expect(first.code).toBe(0);
    const files = readdirSync(dir).filter((f) => f.endsWith('-validate.v8'));
    expect(files).toHaveLength(1);
    const file = join(dir, files[0]!);
    const written = readFileSync(file);
    expect(readCodeCache(file)!.length).toBeGreaterThan(1000);

    const cached = kiln(dir, 'validate', '--help');
    expect(cached).toEqual(first);

    writeFileSync(file, written.subarray(0, 100)); // truncated
    expect(kiln(dir, 'validate', '--help')).toEqual(first);
    expect(readCodeCache(file)!.length).toBeGreaterThan(1000);

    // Intact by our header, but not V8's data for this bundle: V8 rejects it.
    writeCodeCache(file, Buffer.alloc(4096, 7), dir);
    expect(kiln(dir, 'validate', '--help')).toEqual(first);
    expect(readCodeCache(file)!.length).toBeGreaterThan(1000);
  });

  it('runs without a cache when the directory cannot be written', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'file'), '');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/kiln.js'), '--version'], {
      encoding: 'utf8',
      env: { ...process.env, KILN_CODE_CACHE_DIR: join(dir, 'file', 'sub') },
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
