// The dependency cache's figures: save and restore of a real dependency tree (this repository's
// node_modules, copied to a scratch directory) through Kiln's cache, against GNU tar with gzip
// and with zstd on the same tree in the same run; then the Node example's second run (cache hit)
// against its first (miss). About a minute on an idle 2-core machine, several under load:
// KILN_BENCH_CACHE_MB=N benches only the first packages up to N MB, KILN_BENCH_CACHE_TREE=DIR
// another tree, KILN_BENCH_CACHE_SKIP_EXAMPLE=1 leaves out the example runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { restoreCache, saveCache, type StepCacheOptions } from '../agent/cache/cache.js';
import { LocalCacheStore } from '../agent/cache/local-store.js';
import { DEFAULT_FORMAT } from '../agent/cache/codec.js';
import type { RunRecord } from '../contract/index.js';
import type { ArchiveFormat } from '../contract/cache/index.js';

const repo = resolve(import.meta.dirname, '..');
const scratch = await mkdtemp(join(tmpdir(), 'kiln-cache-bench-'));
const MB = 1024 * 1024;

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const treeBytes = (dir: string) => Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
const fileCount = (dir: string) =>
  Number(execFileSync('sh', ['-c', `find "${dir}" -type f | wc -l`], { encoding: 'utf8' }).trim());

interface Row {
  tool: string;
  saveS: number;
  restoreS: number;
  archiveBytes: number;
}

/**
 * Every contender writes the whole tree: without a sync first, the later ones would pay for the
 * earlier ones' dirty pages being written back.
 */
const settle = () => spawnSync('sync');

function sh(cmd: string): number {
  settle();
  const start = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`failed: ${cmd}`);
  return seconds(start);
}

/** GNU tar with an external compressor, from the tree's parent, into a fresh directory. */
function gnuTar(label: string, parent: string, name: string, compress: string, decompress: string): Row {
  const archive = join(scratch, `${label.replace(/\W+/g, '_')}.tar`);
  const out = join(scratch, `out-${label.replace(/\W+/g, '_')}`);
  const saveS = sh(`tar -C "${parent}" -cf - "${name}" | ${compress} > "${archive}"`);
  execFileSync('mkdir', ['-p', out]);
  const restoreS = sh(`${decompress} < "${archive}" | tar -C "${out}" -xf -`);
  const archiveBytes = statSync(archive).size;
  execFileSync('rm', ['-rf', archive, out]);
  return { tool: label, saveS, restoreS, archiveBytes };
}

/** Kiln's cache end to end: archive, digest, store commit; then lookup, verify, extract into a fresh workspace. */
async function kiln(format: ArchiveFormat, treeWorkspace: string): Promise<Row> {
  const cacheDir = join(scratch, `kiln-${format}-cache`);
  const fresh = join(scratch, `kiln-${format}-ws`);
  await mkdir(fresh, { recursive: true });
  const options = (workspace: string): StepCacheOptions => ({
    spec: { key: `bench-${format}`, restoreKeys: [], paths: ['node_modules'], policy: 'pull-push' },
    workspace,
    home: undefined,
    store: new LocalCacheStore(cacheDir),
    format,
    log: (l) => l.includes('warning') && console.log(l),
  });
  const save = options(treeWorkspace);
  settle();
  let start = process.hrtime.bigint();
  const saved = await saveCache(save, await restoreCache(save));
  const saveS = seconds(start);
  settle();
  start = process.hrtime.bigint();
  const restored = await restoreCache(options(fresh));
  const restoreS = seconds(start);
  if (!saved.saved || !restored.record.hit) throw new Error(`kiln cache (${format}) did not save and hit`);
  await rm(fresh, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
  const tool = `kiln cache (${format}${format === DEFAULT_FORMAT ? ', default' : ''})`;
  return { tool, saveS, restoreS, archiveBytes: restored.record.restoredBytes };
}

function kilnRun(ws: string, cacheDir: string): { wallS: number; installS: number; record: RunRecord } {
  const start = process.hrtime.bigint();
  const r = spawnSync(
    process.execPath,
    [
      join(repo, 'bin/kiln.js'),
      'run',
      join(repo, 'examples/node-app/pipeline.yaml'),
      '--workspace',
      `source=${ws}`,
      '--cache-dir',
      cacheDir,
      '--json',
    ],
    { cwd: repo, encoding: 'utf8' },
  );
  const wallS = seconds(start);
  if (r.status !== 0) throw new Error(`kiln run failed:\n${r.stderr}`);
  const record = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as RunRecord;
  const step = record.tasks.find((t) => t.name === 'install')!.steps[0]!;
  return { wallS, installS: (Date.parse(step.finishedAt!) - Date.parse(step.startedAt!)) / 1000, record };
}

async function main() {
  const source = process.env.KILN_BENCH_CACHE_TREE ?? join(repo, 'node_modules');
  const tree = join(scratch, 'tree', 'node_modules');
  const limitMb = Number(process.env.KILN_BENCH_CACHE_MB ?? Infinity);
  if (Number.isFinite(limitMb)) {
    // A smaller tree of whole packages, for a quicker run on a busy machine.
    await mkdir(tree, { recursive: true });
    for (const name of (await readdir(source)).sort()) {
      if (treeBytes(tree) / MB >= limitMb) break;
      await cp(join(source, name), join(tree, name), { recursive: true, verbatimSymlinks: true });
    }
  } else await cp(source, tree, { recursive: true, verbatimSymlinks: true });
  const bytes = treeBytes(tree);
  console.log(
    `tree: ${source} copied to ${tree}: ${(bytes / MB).toFixed(1)} MB in ${fileCount(tree)} files (page cache warm)`,
  );
  sh(`tar -C "${join(scratch, 'tree')}" -cf - node_modules > /dev/null`); // warm the page cache for every contender

  const rows: Row[] = [];
  const parent = join(scratch, 'tree');
  rows.push(gnuTar('GNU tar | gzip (-6, default)', parent, 'node_modules', 'gzip', 'gzip -d'));
  rows.push(gnuTar('GNU tar | gzip -1', parent, 'node_modules', 'gzip -1', 'gzip -d'));
  const zstd = spawnSync('zstd', ['--version']).status === 0;
  if (zstd) {
    rows.push(gnuTar('GNU tar | zstd -3 (default)', parent, 'node_modules', 'zstd -q -3', 'zstd -q -d'));
  } else console.log('zstd CLI not found: its rows are left out (apt-get install -y zstd)');
  for (const format of ['tar+gzip', 'tar+brotli', 'tar'] as const) rows.push(await kiln(format, parent));

  console.log(
    '\nsave = archive + compress (+ SHA-256 + commit for kiln); restore = (verify +) decompress + extract. MB/s over the uncompressed tree.',
  );
  console.log(
    `${'tool'.padEnd(38)} ${'save s'.padStart(7)} ${'save MB/s'.padStart(10)} ${'restore s'.padStart(10)} ${'rest. MB/s'.padStart(11)} ${'archive MB'.padStart(11)} ${'ratio'.padStart(6)}`,
  );
  for (const r of rows) {
    console.log(
      `${r.tool.padEnd(38)} ${r.saveS.toFixed(2).padStart(7)} ${(bytes / MB / r.saveS).toFixed(1).padStart(10)} ${r.restoreS.toFixed(2).padStart(10)} ${(bytes / MB / r.restoreS).toFixed(1).padStart(11)} ${(r.archiveBytes / MB).toFixed(1).padStart(11)} ${(bytes / r.archiveBytes).toFixed(2).padStart(6)}`,
    );
  }

  if (process.env.KILN_BENCH_CACHE_SKIP_EXAMPLE !== '1') {
    if (!existsSync(join(repo, 'dist/kiln.mjs'))) throw new Error('dist/kiln.mjs is missing: npm run build');
    const cacheDir = join(scratch, 'example-cache');
    const runs = [];
    for (const name of ['first (miss, npm ci)', 'second (hit, restore)']) {
      const ws = join(scratch, `example-${runs.length}`);
      await cp(join(repo, 'examples/node-app'), ws, {
        recursive: true,
        filter: (src) => !src.includes('node_modules'),
      });
      runs.push({ name, ...kilnRun(ws, cacheDir) });
    }
    console.log('\nNode example (examples/node-app), fresh workspace each run, one cache directory:');
    for (const r of runs) {
      const c = r.record.tasks.find((t) => t.name === 'install')!.steps[0]!.cache;
      console.log(
        `  ${r.name.padEnd(24)} kiln run ${r.wallS.toFixed(2)} s, install step ${r.installS.toFixed(2)} s, cache ${JSON.stringify(c && { hit: c.hit, saved: c.saved, seconds: c.seconds })}`,
      );
    }
    console.log(
      `  second/first: kiln run ${(runs[1]!.wallS / runs[0]!.wallS).toFixed(2)}x, install step ${(runs[1]!.installS / runs[0]!.installS).toFixed(2)}x`,
    );
  }
}

try {
  await main();
} finally {
  await rm(scratch, { recursive: true, force: true });
}
