'use strict';
// `node scripts/train-host-cache.cjs BUNDLE OUT`: V8's code cache of the agent's bundle for
// `kiln-agent host`, the host engine's runner, after a training run of a small pipeline through
// the real `kiln run` (dist/kiln.cjs, built before the agent). The entrypoint's cache
// (train-agent-cache.cjs) holds a pod step's path only; a runner compiled the rest on first use:
// the dependency cache's restore and save (node-tar, hashing), the log shipping and its HTTP
// client, the host protocol — 10–20 ms of its CPU in every local run, some of it between the
// first task's go-ahead and its command. scripts/agent-sea-main.cjs picks this cache for `host`.
//
// kiln run starts its runner as $KILN_AGENT host: here a script that runs the bundle in this file's
// --runner mode, which writes the cache as the runner exits (once kiln run has closed its stdin).
// Each runner started writes its own file (the launcher may start one that kiln run does not
// adopt); the one that compiled most — ran the pipeline — is kept.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { join, resolve } = require('node:path');
const { compileAgent, runAgent } = require('./agent-sea-main.cjs');

/** How long the runners may take to exit once kiln run has: they end when their stdin closes. */
const RUNNER_EXIT_MS = 30_000;

// A miss that saves, a hit that restores, tasks side by side, a result passed on, several steps.
const PIPELINE = `name: agent-training
workspaces: [source]
tasks:
  save:
    steps:
      - workingDir: $(workspaces.source.path)
        cache: { key: "deps-$(hashFiles('lock'))", restore-keys: [deps-], paths: [deps] }
        run: mkdir -p deps/sub && echo dependency > deps/sub/file
  restore:
    needs: [save]
    results: [hit]
    steps:
      - workingDir: $(workspaces.source.path)
        cache: { key: "deps-$(hashFiles('lock'))", restore-keys: [deps-], paths: [deps] }
        run: printf "$KILN_CACHE_HIT" > $(results.hit.path)
      - run: echo a second step
  beside:
    needs: [save]
    steps:
      - run: echo beside; echo to stderr >&2
  last:
    needs: [restore, beside]
    steps:
      - run: test "$(tasks.restore.results.hit)" = true
`;

function runner([bundle, out, ...args]) {
  const script = compileAgent(fs.readFileSync(bundle, 'utf8'));
  process.argv = [process.execPath, bundle, ...args];
  process.on('exit', (code) => {
    if (code !== 0) return; // the training reports a runner that failed
    // Named by the wrapper's pid (the shell that started this runner), which marks its start and end.
    const file = `${out}.${process.ppid}`;
    fs.writeFileSync(`${file}.tmp`, script.createCachedData());
    fs.renameSync(`${file}.tmp`, file);
  });
  runAgent(script);
}

/**
 * Resolves, once every runner started has exited (the wrapper marks both: `runner.PID`,
 * `exited.PID`), to the caches they wrote; rejects after RUNNER_EXIT_MS. A runner that failed
 * wrote none, and its end is still seen at once.
 */
function runnerCaches(dir, base) {
  const pids = (prefix) =>
    fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(prefix))
      .map((f) => f.slice(prefix.length));
  return new Promise((resolvePromise, reject) => {
    const finish = () => {
      watcher.close();
      clearTimeout(timer);
    };
    const check = () => {
      const exited = new Set(pids('exited.'));
      if (!pids('runner.').every((pid) => exited.has(pid))) return;
      finish();
      resolvePromise([...exited].map((pid) => join(dir, `${base}.${pid}`)).filter((f) => fs.existsSync(f)));
    };
    const watcher = fs.watch(dir, check);
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`the training's runners did not exit within ${RUNNER_EXIT_MS / 1000} s`));
    }, RUNNER_EXIT_MS);
    check();
  });
}

async function train([bundle, out]) {
  if (!bundle || !out) throw new Error('usage: train-host-cache.cjs BUNDLE OUT');
  const cli = resolve(__dirname, '..', 'dist', 'kiln.cjs');
  if (!fs.existsSync(cli))
    throw new Error(`${cli} is not built: build the CLI before the agent (scripts/build.mjs does)`);
  // In dist/, beside what the build makes, not in the temporary directory: the wrapper and the
  // steps' scripts are executed, and a machine may mount its /tmp noexec.
  const dir = fs.mkdtempSync(join(resolve(__dirname, '..', 'dist'), '.host-training-'));
  try {
    const base = 'host.cache';
    const wrapper = join(dir, 'kiln-agent');
    // The wrapper notes each runner as it starts and as it ends, so that the wait below knows every
    // runner there is and sees each end, a failed one's too.
    fs.writeFileSync(
      wrapper,
      `#!/bin/sh\ntouch "${dir}/runner.$$"\n"${process.execPath}" "${__filename}" --runner "${resolve(bundle)}" "${join(dir, base)}" "$@"\ntouch "${dir}/exited.$$"\n`,
      { mode: 0o755 },
    );
    fs.mkdirSync(join(dir, 'source'));
    fs.writeFileSync(join(dir, 'source', 'lock'), 'lock\n');
    fs.writeFileSync(join(dir, 'pipeline.yaml'), PIPELINE);
    // kiln run as on a machine of its own: the embedded collector, no settings file, no code cache.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KILN_')));
    Object.assign(env, { KILN_AGENT: wrapper, KILN_CODE_CACHE_DIR: '', XDG_CONFIG_HOME: dir });
    const args = [
      'run',
      'pipeline.yaml',
      '--workspace',
      `source=${join(dir, 'source')}`,
      '--cache-dir',
      join(dir, 'cache'),
    ];
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, env, encoding: 'utf8' });
    if (r.status !== 0)
      throw new Error(`kiln run of the training pipeline exited ${r.status}:\n${r.stdout}${r.stderr}`);
    const caches = await runnerCaches(dir, base);
    if (caches.length === 0) throw new Error('no runner of the training wrote a code cache (did one fail?)');
    const largest = caches.reduce((a, b) => (fs.statSync(b).size > fs.statSync(a).size ? b : a));
    fs.copyFileSync(largest, out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--runner') runner(process.argv.slice(3));
else
  train(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`train-host-cache: ${err.message}\n`);
    process.exit(1);
  });
