// dist/kiln.mjs, run by bin/kiln.js: loads the CLI bundle (dist/cli/kiln-<hash>.cjs, built from
// cli/entry.ts by scripts/build.mjs) through a V8 code cache (cli/code-cache.ts). The bundle is
// CommonJS because Node 20 can hand V8 cached data only for a script, not for an ES module.
import { isAscii } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { codeCacheDir, codeCacheFile, readCodeCache, writeCodeCache } from './code-cache.js';
import { startEarlyRunner } from './early-runner.js';

/** The bundle's content hash, put here by scripts/build.mjs (the bundle is named after it). */
declare const KILN_BUNDLE_HASH: string;

const dist = dirname(fileURLToPath(import.meta.url));
const bundle = join(dist, 'cli', `kiln-${KILN_BUNDLE_HASH}.cjs`);
startEarlyRunner(process.argv.slice(2), dist);
const dir = codeCacheDir();
const cacheFile = dir === null ? null : codeCacheFile(dir, KILN_BUNDLE_HASH, process.argv[2]);
const cachedData = cacheFile === null ? undefined : readCodeCache(cacheFile);
// ASCII (scripts/build.mjs makes it so) is read as latin1: one byte a character, no UTF-8 decoding.
const bytes = readFileSync(bundle);
const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
// CommonJS's own wrapper, on the bundle's first line (its source map's lines stay as they are).
const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
const script = new Script(wrapped, {
  filename: bundle,
  cachedData,
});
if (dir !== null && cacheFile !== null && (cachedData === undefined || script.cachedDataRejected)) {
  // At the end, when the cache holds every function this command compiled, not only the top level.
  process.once('exit', () => {
    try {
      writeCodeCache(cacheFile, script.createCachedData(), dir);
    } catch {
      // no cache this time: the next run compiles from source again
    }
  });
}
const module = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void).call(
  module.exports,
  module.exports,
  createRequire(bundle),
  module,
  bundle,
  dirname(bundle),
);
