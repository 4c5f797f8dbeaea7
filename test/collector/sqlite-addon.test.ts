// better-sqlite3 in the CLI bundle (collector/store/sqlite-addon.ts, scripts/build.mjs): its
// JavaScript is bundled, its addon loaded by path. A store opened by the built CLI must not read
// the package's JavaScript from node_modules (what the bundling saves), nor need `bindings`
// (which cannot find the addon from the bundle).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../collector/store/open.js';
import { sqliteNativeBinding } from '../../collector/store/sqlite-addon.js';

const ROOT = resolve(import.meta.dirname, '../..');

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/kiln.cjs')))
    spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
});

describe("better-sqlite3's addon", () => {
  it('is found where the package installs it, and opens a database', () => {
    const addon = sqliteNativeBinding();
    expect(addon).toMatch(/better-sqlite3\/build\/Release\/better_sqlite3\.node$/);
    const db = new Database(':memory:', { nativeBinding: addon });
    expect(db.prepare('select 40 + 2 as n').get()).toEqual({ n: 42 });
    db.close();
  });

  it("is all the built CLI loads from the package's directory to open a store", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-sqlite-addon-'));
    await (await openStore(`sqlite:${join(dir, 'kiln.db')}`)).close();
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/kiln.js'), 'runs', '--db', `sqlite:${join(dir, 'kiln.db')}`],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NODE_DEBUG: 'module' },
      },
    );
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const loaded = [...r.stderr.matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((m) => m[1]!);
    expect(loaded.filter((p) => p.includes('/node_modules/better-sqlite3/'))).toEqual([sqliteNativeBinding()]);
    expect(loaded.filter((p) => p.includes('/node_modules/bindings/'))).toEqual([]);
  });
});
