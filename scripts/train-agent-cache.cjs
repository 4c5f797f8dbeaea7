'use strict';
// `node scripts/train-agent-cache.cjs BUNDLE OUT`: runs the agent's entrypoint once on a step of
// `true` whose go-ahead is already given (the whole path of a step: wait, spawn, exit, results,
// termination message, post file) and, as the process exits, writes V8's code cache of the bundle
// (every function compiled by then) to OUT. scripts/agent-sea-main.cjs runs the bundle with it.
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { compileAgent, runAgent } = require('./agent-sea-main.cjs');

const [bundle, out] = process.argv.slice(2);
if (!bundle || !out) throw new Error('usage: train-agent-cache.cjs BUNDLE OUT');
const script = compileAgent(readFileSync(bundle, 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'kiln-agent-training-'));
mkdirSync(join(dir, 'downward'));
mkdirSync(join(dir, 'results'));
writeFileSync(join(dir, 'downward', 'ready'), 'go');
// The flags the pod builder gives a first step (contract/agent-argv.ts entrypointArgv, which this
// plain script cannot import: a flag renamed there fails this run, and so the build, loudly).
process.argv = [
  process.execPath,
  bundle,
  'entrypoint',
  ...['-wait_file', join(dir, 'downward', 'ready'), '-wait_file_content'],
  ...['-post_file', join(dir, 'run', '0', 'out'), '-termination_path', join(dir, 'run', '0', 'termination')],
  ...['-step_metadata_dir', join(dir, 'run', '0', 'status'), '-log_dir', join(dir, 'logs'), '-step_index', '0'],
  ...['-results', 'r', '-results_dir', join(dir, 'results')],
  '--',
  'sh',
  '-c',
  `echo trained; printf v > ${join(dir, 'results', 'r')}`,
];
process.on('exit', (code) => {
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0) return; // the build reports the failure
  writeFileSync(out, script.createCachedData());
});
runAgent(script);
