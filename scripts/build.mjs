// `npm run build`: generated protobuf code, the CLI bundle (dist/kiln.cjs, dist/kiln.mjs) and the agent
// (scripts/build-agent.mjs: dist/agent.cjs, the dist/kiln-agent single executable, dist/kiln/).
// Each piece is rebuilt only when its inputs are newer than its output.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { genProto } from './gen-proto.mjs';

mkdirSync('dist', { recursive: true });
genProto();

// The npm packages are bundled too: Node resolving and reading fastify's, undici's and CEL's
// hundreds of files was most of `kiln run`'s start (≈250 ms CPU of ≈650 before the first task run).
// better-sqlite3's JavaScript is bundled as well, its addon loaded from disk by path
// (collector/store/sqlite-addon.ts); `bindings`, which looks for it otherwise, stays out: it finds
// addons from its caller's file, which the bundle is not. Left out: the Kubernetes client (only the
// cluster commands load it, and it took longer to load than the rest of `kiln run`) and optional
// requires the packages probe for.
const EXTERNAL = [
  'bindings',
  '@kubernetes/client-node',
  'pg-native',
  'supports-color',
  'bufferutil',
  'utf-8-validate',
  'encoding',
];
// CommonJS in one file, loaded by dist/kiln.mjs (cli/launch.ts) through a V8 code cache: Node 20
// hands V8 cached data only for a script, and compiling the bundle was ≈120 ms of every start. A
// command's modules are still evaluated only when it is named (esbuild keeps the import()s of
// cli/commands/index.ts lazy). Named by its content hash, which keys the code cache.
const cli = await build({
  entryPoints: { kiln: 'cli/entry.ts' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // The packages left out are require()d, the Kubernetes client (an ES module) too: Node 20.19 and
  // 22.12 require ES modules, and a script run from a code cache cannot import() (Node 20 loses its
  // import callback).
  supported: { 'dynamic-import': false },
  external: EXTERNAL,
  define: { 'import.meta.url': '__kilnUrl' },
  banner: { js: "var __kilnUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: 'linked',
  outdir: 'dist',
  entryNames: 'cli/[name]-[hash]',
  outExtension: { '.js': '.cjs' },
  metafile: true,
  logLevel: 'warning',
});
const [bundle] = Object.keys(cli.metafile.outputs).filter((o) => o.endsWith('.cjs'));
asciiOnly(bundle);
// The launcher twice: dist/kiln.cjs, which bin/kiln.js (CommonJS: bin/package.json) requires, since
// Node's ES module loader costs ≈ 9 ms of every start (`node x.mjs` 49 against `node x.cjs` 40 ms,
// medians of 20); and dist/kiln.mjs for those who run the file itself.
const launcherOf = (format) =>
  build({
    entryPoints: { kiln: 'cli/launch.ts' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format,
    define: {
      KILN_BUNDLE_HASH: JSON.stringify(bundle.slice('dist/cli/kiln-'.length, -'.cjs'.length)),
      ...(format === 'cjs' && { 'import.meta.url': '__kilnUrl' }),
    },
    ...(format === 'cjs' && { banner: { js: "var __kilnUrl = require('node:url').pathToFileURL(__filename).href;" } }),
    outdir: 'dist',
    outExtension: { '.js': format === 'cjs' ? '.cjs' : '.mjs' },
    metafile: true,
    logLevel: 'warning',
  });
const launchers = await Promise.all([launcherOf('esm'), launcherOf('cjs')]);
pruneChunks({ outputs: Object.assign({}, cli.metafile.outputs, ...launchers.map((l) => l.metafile.outputs)) });

if (existsSync('scripts/build-agent.mjs')) {
  const { buildAgent } = await import('./build-agent.mjs');
  await buildAgent();
}

/**
 * The few characters beyond ASCII esbuild leaves (in comments, one regular expression) become \u
 * escapes, which mean the same there: the launcher then reads the bundle as one byte a character
 * (latin1), ≈20 ms less than decoding 4 MB of UTF-8 into a two-byte string. One after a backslash
 * would change meaning: the build stops instead.
 */
function asciiOnly(file) {
  const text = readFileSync(file, 'utf8');
  const wide = /[^\x00-\x7f]/g;
  const escaped = /\\[^\x00-\x7f]/.exec(text);
  if (escaped)
    throw new Error(`${file}: a character beyond ASCII after a backslash (${escaped[0]}): escape it in the source`);
  const ascii = text.replace(wide, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) writeFileSync(file, ascii);
}

/**
 * Chunks of earlier builds are removed once they are an hour old: a `kiln` started from an older
 * build (a test, another terminal) may still be loading them.
 */
function pruneChunks(metafile) {
  const current = new Set(Object.keys(metafile.outputs));
  const hourAgo = Date.now() - 3600_000;
  for (const name of readdirSync('dist/cli')) {
    const path = `dist/cli/${name}`;
    if (!current.has(path) && statSync(path).mtimeMs < hourAgo) rmSync(path, { force: true });
  }
}
