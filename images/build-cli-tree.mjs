// Builds dist/images/kiln/: the tree the controller and collector images copy to /opt/kiln.
//   bin/kiln      a Node single-executable application of the whole CLI (`kiln controller`,
//                 `kiln collector`), patched to load the glibc loader and libraries in lib/
//   lib/          that loader and those libraries (the images are FROM scratch)
//   node_modules/ better-sqlite3, a native addon a SEA cannot embed: loaded from disk
//   etc/          CA certificates and a passwd entry for the non-root user
//   templates/    the template catalog (`uses: group/name`)
//   data/         an empty directory the collector image gives its user for the SQLite store
//   bin/kiln-agent  (with --workstation) the agent, patched like bin/kiln, for `kiln run` on the host
// Usage: node images/build-cli-tree.mjs   (after npm install; takes ~30 s)
//        node images/build-cli-tree.mjs --workstation   (after npm run build): dist/workstation/kiln,
//        a download-free install of `kiln` for a Linux x86-64 machine, to be copied to /opt/kiln
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const WORKSTATION = process.argv.includes('--workstation');
const OUT = join(ROOT, WORKSTATION ? 'dist/workstation/kiln' : 'dist/images/kiln');
const MOUNT = '/opt/kiln';
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const NATIVE = ['better-sqlite3', 'bindings', 'file-uri-to-path'];
const tmp = join(ROOT, `dist/.build-cli-tree-${process.pid}`);

const sh = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });

// A SEA's require() loads only built-ins: the native addon is required from the tree on disk, and
// optional requires some packages probe for become empty modules.
const fromDisk = {
  name: 'from-disk',
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3$/ }, (a) => ({ path: a.path, namespace: 'disk' }));
    b.onLoad({ filter: /.*/, namespace: 'disk' }, (a) => ({
      contents: `module.exports = require('node:module').createRequire(process.execPath)(${JSON.stringify(a.path)});`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^(supports-color|bufferutil|utf-8-validate|encoding|pg-native)$/ }, (a) => ({
      path: a.path,
      namespace: 'stub',
    }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
await build({
  entryPoints: [join(ROOT, 'cli/entry.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: join(tmp, 'kiln.cjs'),
  define: { 'import.meta.url': '__kilnUrl' },
  banner: { js: "var __kilnUrl = require('node:url').pathToFileURL(process.execPath).href;" },
  plugins: [fromDisk],
  logLevel: 'error',
});
writeFileSync(
  join(tmp, 'sea.json'),
  JSON.stringify({
    main: join(tmp, 'kiln.cjs'),
    output: join(tmp, 'kiln.blob'),
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
  }),
);
sh(process.execPath, ['--experimental-sea-config', join(tmp, 'sea.json')]);

rmSync(OUT, { recursive: true, force: true });
for (const d of ['bin', 'lib', 'node_modules', 'etc/ssl/certs', 'data']) mkdirSync(join(OUT, d), { recursive: true });
const exe = join(OUT, 'bin/kiln');
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
sh('strip', [exe]); // before injecting: stripping afterwards would drop the blob
sh(join(ROOT, 'node_modules/.bin/postject'), [
  exe,
  'NODE_SEA_BLOB',
  join(tmp, 'kiln.blob'),
  '--sentinel-fuse',
  SEA_FUSE,
]);

// Libraries of the executable and of the addon, then point both at them (postject first, patchelf after).
const addon = join(OUT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
for (const pkg of NATIVE) {
  const from = join(ROOT, 'node_modules', pkg);
  if (!existsSync(from)) throw new Error(`build-cli-tree: node_modules/${pkg} is missing; run npm install`);
  cpSync(from, join(OUT, 'node_modules', pkg), {
    recursive: true,
    filter: (p) => !/\/(deps|src|build\/(?!Release(\/better_sqlite3\.node)?$))/.test(p.slice(from.length)),
  });
}
const libs = new Set();
for (const bin of [process.execPath, join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')]) {
  for (const m of sh('ldd', [bin])
    .toString()
    .matchAll(/(\/\S+)/g))
    libs.add(m[1]);
}
for (const lib of libs) copyFileSync(lib, join(OUT, 'lib', lib.split('/').pop()));
sh('patchelf', ['--set-interpreter', `${MOUNT}/lib/ld-linux-x86-64.so.2`, '--set-rpath', `${MOUNT}/lib`, exe]);
sh('patchelf', ['--set-rpath', `${MOUNT}/lib`, addon]);
if (WORKSTATION) {
  // `kiln run` looks for kiln-agent beside the single executable (runtimes/host/agent-path.ts).
  const agent = join(ROOT, 'dist/kiln-agent');
  if (!existsSync(agent)) throw new Error('build-cli-tree: dist/kiln-agent is missing; run npm run build first');
  copyFileSync(agent, join(OUT, 'bin/kiln-agent'));
  sh('patchelf', [
    '--set-interpreter',
    `${MOUNT}/lib/ld-linux-x86-64.so.2`,
    '--set-rpath',
    `${MOUNT}/lib`,
    join(OUT, 'bin/kiln-agent'),
  ]);
}

copyFileSync('/etc/ssl/certs/ca-certificates.crt', join(OUT, 'etc/ssl/certs/ca-certificates.crt'));
writeFileSync(
  join(OUT, 'etc/passwd'),
  'root:x:0:0:root:/:/sbin/nologin\nkiln:x:65532:65532:kiln:/data:/sbin/nologin\n',
);
writeFileSync(join(OUT, 'etc/group'), 'root:x:0:\nkiln:x:65532:\n');
// The template catalog: `uses: notify/slack` resolves to /opt/kiln/templates (syntax/template-catalog.ts).
cpSync(join(ROOT, 'templates'), join(OUT, 'templates'), { recursive: true });
rmSync(tmp, { recursive: true, force: true });
console.log(`build-cli-tree: ${OUT} (bin/kiln runs from ${MOUNT})`);
