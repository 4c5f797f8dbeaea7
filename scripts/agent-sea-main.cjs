'use strict';
// The main script of the kiln-agent single executable. It runs the agent's bundle (the SEA asset
// agent.cjs) with V8's code cache of it (the asset agent.cache), made at build time after a
// training run of one step (scripts/train-agent-cache.cjs). Node's own `useCodeCache` caches only
// what V8 compiles before the script runs, while most of the agent's functions are compiled lazily
// on their first call: in an entrypoint that call comes after the go-ahead, on the hand-off between
// steps (≈5 ms of a 13 ms hand-off). Code in the cache is ready without that compilation.
// `kiln-agent host`, the host engine's runner, gets its own cache (agent-host.cache, trained on a
// local run: scripts/train-host-cache.cjs): a pod's steps need not deserialize what only it runs.
// The trainers require this file for compileAgent, so that all compile the same source text.
const vm = require('node:vm');
const sea = require('node:sea');

/** The bundle compiled as Node compiles a CommonJS module (its shebang line blanked). */
function compileAgent(bundle, cachedData) {
  const source = bundle.startsWith('#!') ? `//${bundle.slice(2)}` : bundle;
  return new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: 'kiln-agent.cjs',
    cachedData,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}

/** Runs the compiled bundle as the module `module`. */
function runAgent(script) {
  script.runInThisContext().call(module.exports, module.exports, require, module, __filename, __dirname);
}

if (sea.isSea()) {
  // A cache V8 rejects (another V8 or other flags: not from this build) is ignored by V8, which
  // then compiles as it would have without one.
  const cache = process.argv[2] === 'host' ? 'agent-host.cache' : 'agent.cache';
  runAgent(compileAgent(sea.getAsset('agent.cjs', 'utf8'), Buffer.from(sea.getAsset(cache))));
} else {
  module.exports = { compileAgent, runAgent };
}
