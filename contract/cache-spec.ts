// A step's dependency cache as the syntax reads it and the agent runs it (`-cache` carries it as
// JSON): key, restore keys, paths, policy.

export const CACHE_POLICIES = ['pull-push', 'pull', 'push'] as const;
export type CachePolicy = (typeof CACHE_POLICIES)[number];

export interface CacheSpec {
  /** May hold `$(hashFiles('glob', …))` and other references. */
  key: string;
  restoreKeys: string[];
  paths: string[];
  /**
   * The paths as the pipeline wrote them, before `$(…)` substitution: what the entry's version
   * hashes (as actions/cache does), so `$(workspaces.src.path)/node_modules` finds the entry of
   * another checkout in another directory. Absent: `paths`.
   */
  writtenPaths?: string[];
  policy: CachePolicy;
}
