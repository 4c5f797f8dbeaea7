// Builds the agent (called by scripts/build.mjs; `make agent`):
//   dist/agent.cjs    one CommonJS bundle of agent/main.ts (runs under plain node)
//   dist/agent.cache  V8's code cache of the bundle after a training run (train-agent-cache.cjs)
//   dist/agent-host.cache  the same for `kiln-agent host`, trained on a `kiln run` (train-host-cache.cjs)
//   dist/kiln-agent   a Node single-executable application: node, stripped, + the bundle and its
//                     code cache as assets, run by scripts/agent-sea-main.cjs (postject)
//   dist/kiln/        the portable tree copied to /kiln in a pod: bin/kiln-agent patched to load
//                     the glibc loader and libraries shipped in lib/, so it runs in any image
// Each piece is rebuilt only when an input is newer than its output.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

const INPUT_DIRS = ['agent', 'contract'];
const INPUT_FILES = ['package.json', 'scripts/build-agent.mjs'];
const SEA_MAIN = 'scripts/agent-sea-main.cjs';
const TRAINER = 'scripts/train-agent-cache.cjs';
const HOST_TRAINER = 'scripts/train-host-cache.cjs';
// Intermediate files carry the pid: engineers and CI may build in one tree at once; finished
// outputs are renamed into place, so a reader never sees half a binary.
const OUT = {
  bundle: 'dist/agent.cjs',
  cache: 'dist/agent.cache',
  hostCache: 'dist/agent-host.cache',
  seaConfig: `dist/agent-sea.${process.pid}.json`,
  blob: `dist/agent.${process.pid}.blob`,
  sea: 'dist/kiln-agent',
  treeBin: 'dist/kiln/bin/kiln-agent',
  treeLib: 'dist/kiln/lib',
};
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
// Optional requires of some npm packages; a SEA can only require built-ins, so they become {}.
const OPTIONAL_REQUIRES = /^(supports-color|bufferutil|utf-8-validate|encoding)$/;

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const mtimeOr0 = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);
const isStale = (output, inputsMtime) => mtimeOr0(output) <= inputsMtime;

const stubOptionalRequires = {
  name: 'stub-optional-requires',
  setup(b) {
    b.onResolve({ filter: OPTIONAL_REQUIRES }, (args) => ({ path: args.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

async function bundle() {
  const tmp = `${OUT.bundle}.${process.pid}.tmp`;
  await build({
    entryPoints: ['agent/main.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: tmp,
    banner: { js: '#!/usr/bin/env node' },
    plugins: [stubOptionalRequires],
    logLevel: 'warning',
  });
  chmodSync(tmp, 0o755);
  renameSync(tmp, OUT.bundle);
}

/** A code cache from a training run; a run that fails fails the build, with its output. */
function trainCodeCache(trainer, out) {
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync(process.execPath, [trainer, OUT.bundle, tmp], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`build-agent: the training run for ${out} failed:\n${err.stdout}${err.stderr}`);
  }
  renameSync(tmp, out);
}

function tool(name) {
  const local = join('node_modules', '.bin', name);
  return existsSync(local) ? local : name;
}

const APT_PACKAGE = { strip: 'binutils', patchelf: 'patchelf', ldd: 'libc-bin' };

/** Runs a build tool; a missing one is named with the package that provides it. */
function run(name, args, options) {
  try {
    return execFileSync(tool(name), args, options);
  } catch (err) {
    if (err.code === 'ENOENT') {
      throw new Error(`build-agent: ${name} not found; install ${APT_PACKAGE[name] ?? name} (scripts/setup.sh does)`);
    }
    throw err;
  }
}

/** Writes through a temporary file so an interrupted build never leaves a broken binary. */
function seaExecutable() {
  writeFileSync(
    OUT.seaConfig,
    JSON.stringify({
      main: SEA_MAIN,
      output: OUT.blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      assets: { 'agent.cjs': OUT.bundle, 'agent.cache': OUT.cache, 'agent-host.cache': OUT.hostCache },
    }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', OUT.seaConfig], { stdio: 'pipe' });
  const tmp = `${OUT.sea}.${process.pid}.tmp`;
  copyFileSync(process.execPath, tmp);
  chmodSync(tmp, 0o755);
  run('strip', [tmp], { stdio: 'ignore' }); // before postject: stripping afterwards would drop the blob
  // postject warns about the stripped section names; its output is shown only if it fails.
  run('postject', [tmp, 'NODE_SEA_BLOB', OUT.blob, '--sentinel-fuse', SEA_FUSE], { stdio: 'pipe' });
  renameSync(tmp, OUT.sea);
  rmSync(OUT.blob, { force: true });
  rmSync(OUT.seaConfig, { force: true });
}

function sharedLibraries(binary) {
  const out = run('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(\/\S+)/g)].map((m) => m[1]);
}

function portableTree() {
  mkdirSync(OUT.treeLib, { recursive: true });
  mkdirSync('dist/kiln/bin', { recursive: true });
  let loader;
  for (const lib of sharedLibraries(OUT.sea)) {
    const name = lib.split('/').pop();
    const tmpLib = join(OUT.treeLib, `.${name}.${process.pid}`);
    copyFileSync(lib, tmpLib); // follows symlinks
    renameSync(tmpLib, join(OUT.treeLib, name));
    if (name.startsWith('ld-linux')) loader = name;
  }
  if (!loader) throw new Error(`build-agent: ldd ${OUT.sea} named no ld-linux loader`);
  const tmp = `${OUT.treeBin}.${process.pid}.tmp`;
  copyFileSync(OUT.sea, tmp);
  // After postject, never before: patching first corrupts the rpath once the blob is injected.
  run('patchelf', ['--set-interpreter', `/kiln/lib/${loader}`, '--set-rpath', '/kiln/lib', tmp]);
  chmodSync(tmp, 0o755);
  renameSync(tmp, OUT.treeBin);
}

export async function buildAgent() {
  mkdirSync('dist', { recursive: true });
  const inputs = Math.max(...INPUT_DIRS.map(newestMtime), ...INPUT_FILES.map(mtimeOr0));
  if (isStale(OUT.bundle, inputs)) await bundle();
  const trained = (trainer) => Math.max(mtimeOr0(OUT.bundle), mtimeOr0(trainer), mtimeOr0(SEA_MAIN));
  if (isStale(OUT.cache, trained(TRAINER))) trainCodeCache(TRAINER, OUT.cache);
  // The host training runs dist/kiln.cjs, which scripts/build.mjs builds before the agent.
  if (isStale(OUT.hostCache, trained(HOST_TRAINER))) trainCodeCache(HOST_TRAINER, OUT.hostCache);
  if (isStale(OUT.sea, Math.max(mtimeOr0(OUT.cache), mtimeOr0(OUT.hostCache)))) seaExecutable();
  if (isStale(OUT.treeBin, mtimeOr0(OUT.sea))) portableTree();
}
