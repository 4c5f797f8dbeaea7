// `kiln-agent entrypoint`'s cache flags → what the step's cache needs. Kept apart from the
// runner (step.ts) so that parsing flags loads nothing of tar or the stores.
import { CACHE_POLICIES, type CacheSpec, type CacheStoreFlags, ENTRYPOINT_FLAGS as F } from '../../contract/index.js';
import { AgentUsageError } from '../errors.js';

export interface StepCacheFlags {
  spec: CacheSpec;
  store: CacheStoreFlags;
  workspace?: string;
}

const MAX_LIST = 64;

function parseSpec(json: string): CacheSpec {
  let v: Partial<CacheSpec>;
  try {
    v = JSON.parse(json) as Partial<CacheSpec>;
  } catch (err) {
    throw new AgentUsageError(`flag ${F.cache}: not JSON (${(err as Error).message})`, F.cache);
  }
  const strings = (x: unknown, what: string): string[] => {
    if (!Array.isArray(x) || x.length > MAX_LIST || !x.every((s) => typeof s === 'string')) {
      throw new AgentUsageError(`flag ${F.cache}: ${what} must be a list of at most ${MAX_LIST} strings`, F.cache);
    }
    return x;
  };
  if (!v || typeof v !== 'object' || typeof v.key !== 'string')
    throw new AgentUsageError(`flag ${F.cache}: needs {"key": …, "paths": […]}`, F.cache);
  const paths = strings(v.paths, 'paths');
  if (paths.length === 0) throw new AgentUsageError(`flag ${F.cache}: paths is empty`, F.cache);
  const policy = v.policy ?? 'pull-push';
  if (!CACHE_POLICIES.includes(policy))
    throw new AgentUsageError(
      `flag ${F.cache}: policy "${policy}" is not one of ${CACHE_POLICIES.join(', ')}`,
      F.cache,
    );
  const spec: CacheSpec = { key: v.key, restoreKeys: strings(v.restoreKeys ?? [], 'restoreKeys'), paths, policy };
  if (v.writtenPaths !== undefined) {
    spec.writtenPaths = strings(v.writtenPaths, 'writtenPaths');
    if (spec.writtenPaths.length !== paths.length)
      throw new AgentUsageError(`flag ${F.cache}: writtenPaths must have one entry per path`, F.cache);
  }
  return spec;
}

/** The cache flags, or undefined when the step has no cache. `get` reads one flag's raw value. */
export function parseCacheFlags(get: (flag: keyof typeof F) => string | undefined): StepCacheFlags | undefined {
  const json = get('cache');
  if (!json) return undefined;
  const dir = get('cacheDir');
  const url = get('cacheUrl');
  const tokenFile = get('cacheTokenFile');
  if (dir && url) throw new AgentUsageError(`give ${F.cacheDir} or ${F.cacheUrl}, not both`, F.cacheUrl);
  if (url && !tokenFile) throw new AgentUsageError(`${F.cacheUrl} needs ${F.cacheTokenFile}`, F.cacheTokenFile);
  if (!dir && !url)
    throw new AgentUsageError(`${F.cache} needs a store: ${F.cacheDir} DIR or ${F.cacheUrl} URL`, F.cache);
  return {
    spec: parseSpec(json),
    store: url ? { url, tokenFile: tokenFile! } : { dir: dir! },
    workspace: get('cacheWorkspace') || undefined,
  };
}
