// The agent executable runs its bundle from V8's code cache of a training run (scripts/
// agent-sea-main.cjs; train-agent-cache.cjs for a pod's step, train-host-cache.cjs for `kiln-agent host`). A cache that V8 rejects, or that holds only what is
// compiled before the bundle runs, would cost every step its lazy compilation again without a word:
// these check the built cache against the built bundle under this node, the one the executable
// was made from.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, requireBuilt } from './helpers.js';

const bundle = join(REPO, 'dist/agent.cjs');
const cache = join(REPO, 'dist/agent.cache');
const hostCache = join(REPO, 'dist/agent-host.cache');
const { compileAgent } = createRequire(import.meta.url)(join(REPO, 'scripts/agent-sea-main.cjs')) as {
  compileAgent(source: string, cachedData?: Buffer): import('node:vm').Script;
};

beforeAll(() => requireBuilt(bundle, cache, hostCache));

describe("the agent's code cache", () => {
  it('is accepted by V8 for the bundle it was made from, and refused for another text', () => {
    const source = readFileSync(bundle, 'utf8');
    expect(compileAgent(source, readFileSync(cache)).cachedDataRejected).toBe(false);
    expect(compileAgent(`${source}\n// changed`, readFileSync(cache)).cachedDataRejected).toBe(true);
  });

  it('holds the functions the training step compiled, beyond what compiling the bundle alone gives', () => {
    const untrained = compileAgent(readFileSync(bundle, 'utf8')).createCachedData();
    expect(readFileSync(cache).length).toBeGreaterThan(untrained.length * 1.3);
  });

  it("for the host runner is accepted too, and holds what a local run compiles beyond a pod's step", () => {
    const source = readFileSync(bundle, 'utf8');
    expect(compileAgent(source, readFileSync(hostCache)).cachedDataRejected).toBe(false);
    // The dependency cache's restore and save, the log shipping and the host protocol: a cache
    // trained on less (a runner that exited at once, an entrypoint step) is far smaller.
    expect(readFileSync(hostCache).length).toBeGreaterThan(readFileSync(cache).length * 1.8);
  });
});
