// On Kubernetes a cached step restores and saves through the collector with the run's token.
import { describe, expect, it } from 'vitest';
import { parseCacheFlags } from '../../../agent/cache/flags.js';
import { ENTRYPOINT_FLAGS } from '../../../contract/index.js';
import { buildPod } from '../../../runtimes/kubernetes/pod-builder.js';
import type { CacheSpec } from '../../../syntax/model.js';
import { BUILD_OPTIONS, plan, step } from '../../controller/plans.js';

const cache: CacheSpec = {
  key: "npm-$(hashFiles('package-lock.json'))",
  restoreKeys: ['npm-'],
  paths: ['node_modules'],
  policy: 'pull-push',
};

/** The flags of an entrypoint command line, as the agent's parser reads them. */
function flagsOf(command: string[]) {
  const end = command.indexOf(ENTRYPOINT_FLAGS.entrypoint);
  const values = new Map<string, string>();
  for (let i = 2; i < end; i++)
    if (command[i]!.startsWith('-') && !command[i + 1]?.startsWith('-')) values.set(command[i]!, command[++i]!);
  return (k: keyof typeof ENTRYPOINT_FLAGS) => values.get(ENTRYPOINT_FLAGS[k]);
}

describe('pod builder and the cache', () => {
  it('passes a cached step its cache through the collector, with the run token', () => {
    const pod = buildPod(
      plan({ steps: [step('install', { command: ['npm', 'ci'], cache }), step('test', { command: ['npm', 'test'] })] }),
      BUILD_OPTIONS,
    );
    const [install, test] = pod.spec!.containers;
    expect(parseCacheFlags(flagsOf(install!.command!))).toEqual({
      spec: cache,
      store: { url: 'http://kiln-collector.kiln.svc:8080', tokenFile: '/kiln/secrets/token' },
      workspace: undefined,
      report: undefined,
    });
    expect(install!.volumeMounts!.some((m) => m.name === 'kiln-token' && m.readOnly)).toBe(true);
    expect(parseCacheFlags(flagsOf(test!.command!))).toBeUndefined();
    // Every step has the token all the same: a result too large for its termination message goes to the collector.
    expect(test!.volumeMounts!.some((m) => m.name === 'kiln-token' && m.readOnly)).toBe(true);
    expect(test!.command).toContain(ENTRYPOINT_FLAGS.resultsTokenFile);
  });

  it('leaves the cache off without a collector to hold it', () => {
    const pod = buildPod(
      plan({ collector: undefined, steps: [step('install', { command: ['npm', 'ci'], cache })] }),
      BUILD_OPTIONS,
    );
    expect(pod.spec!.containers[0]!.command).not.toContain(ENTRYPOINT_FLAGS.cache);
  });
});
