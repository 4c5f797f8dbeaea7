// `npm run build`: generated protobuf code, the CLI bundle (dist/kiln.mjs) and the agent
// (scripts/build-agent.mjs: dist/agent.cjs, the dist/kiln-agent single executable, dist/kiln/).
// Each piece is rebuilt only when its inputs are newer than its output.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { genProto } from './gen-proto.mjs';

mkdirSync('dist', { recursive: true });
genProto();

// Split: each command is a chunk of its own under dist/cli/, loaded when the command is named, so
// a command starts without the packages only others need (the Kubernetes client alone took longer
// to load than the rest of `kiln run`). The npm packages are bundled into the chunks too: Node
// resolving and reading fastify's, undici's and CEL's hundreds of files was most of `kiln run`'s
// start (≈250 ms CPU of ≈650 before the first task run). Left out: the native addon, the
// Kubernetes client (only the cluster commands load it) and optional requires the packages probe for.
const EXTERNAL = [
  'better-sqlite3',
  '@kubernetes/client-node',
  'pg-native',
  'supports-color',
  'bufferutil',
  'utf-8-validate',
  'encoding',
];
const cli = await build({
  entryPoints: { kiln: 'cli/entry.ts' },
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: EXTERNAL,
  // The bundled CommonJS packages require Node's built-ins: an ES module has no `require` of its own.
  banner: {
    js: "import { createRequire as kilnCreateRequire } from 'node:module'; const require = kilnCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'cli/[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});
pruneChunks(cli.metafile);

if (existsSync('scripts/build-agent.mjs')) {
  const { buildAgent } = await import('./build-agent.mjs');
  await buildAgent();
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
