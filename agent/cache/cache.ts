// A step's cache, around its command: restore before it runs, save after it succeeds. Key and
// entry semantics follow actions/cache: exact key, else restore-key prefixes (newest match),
// save only on an exact miss. A broken store or entry costs a warning and a miss, never the step;
// a broken key (bad hashFiles, bad path) is the user's error and fails it.
import { lstat } from 'node:fs/promises';
import { type CacheSpec, type StepCacheRecord } from '../../contract/index.js';
import { type ArchiveFormat, type CacheEntry, cacheVersion } from '../../contract/cache/index.js';
import { extractArchive, writeArchive } from './archive.js';
import { DEFAULT_FORMAT } from './codec.js';
import { hashFiles } from './hash-files.js';
import { evaluateKey } from './key.js';
import { resolveCachePath } from './paths.js';
import type { CacheStore } from './store.js';

/**
 * A key as the step's log shows it: a 64-digit hash (hashFiles) cut to its first 12 digits, which
 * tell entries apart as well; the run record keeps the whole key.
 */
export const short = (key: string): string => key.replace(/[0-9a-f]{64}/g, (h) => `${h.slice(0, 12)}…`);

export interface StepCacheOptions {
  spec: CacheSpec;
  /** Relative cache paths and hashFiles globs are taken from here. */
  workspace: string;
  home: string | undefined;
  store: CacheStore;
  format?: ArchiveFormat;
  /** Where warnings and progress go: the step's own output. */
  log: (line: string) => void;
  now?: () => number;
}

/** What restore learned, for save to use after the step. */
export interface RestoreState {
  key: string;
  version: string;
  format: ArchiveFormat;
  roots: string[];
  matched: CacheEntry | null;
  record: StepCacheRecord;
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** Milliseconds to seconds, kept to the millisecond. */
const seconds = (ms: number) => Math.round(ms) / 1000;

async function evaluateKeys(o: StepCacheOptions) {
  const hash = (patterns: string[]) => hashFiles(o.workspace, patterns);
  const key = await evaluateKey(o.spec.key, hash);
  const restoreKeys: string[] = [];
  for (const k of o.spec.restoreKeys) restoreKeys.push(await evaluateKey(k, hash));
  return { key, restoreKeys };
}

/** Evaluates the keys (throws on a user error) and restores the best entry when the policy pulls. */
export async function restoreCache(o: StepCacheOptions): Promise<RestoreState> {
  const now = o.now ?? Date.now;
  const started = now();
  const format = o.format ?? DEFAULT_FORMAT;
  const { key, restoreKeys } = await evaluateKeys(o);
  const roots = o.spec.paths.map((p) => resolveCachePath(p, o.workspace, o.home));
  const version = cacheVersion(o.spec.writtenPaths ?? o.spec.paths, format);
  const state: RestoreState = {
    key,
    version,
    format,
    roots,
    matched: null,
    record: { key, matchedKey: null, hit: false, restoredBytes: 0, seconds: 0 },
  };
  if (o.spec.policy !== 'push') {
    try {
      const entry = await o.store.lookup({ key, restoreKeys, version });
      if (entry) {
        const { bytes, inPlace } = await extractArchive(await o.store.open(entry), entry, roots);
        state.matched = entry;
        state.record.matchedKey = entry.key;
        state.record.hit = entry.key === key;
        state.record.restoredBytes = bytes;
        o.log(
          `cache: restored "${short(entry.key)}" (${bytes} bytes${state.record.hit ? '' : `, a restore-key match for "${short(key)}"`}${inPlace ? ', already in place' : ''}) from ${o.store.location}`,
        );
      } else {
        o.log(
          `cache: no entry for "${short(key)}"${restoreKeys.length ? ` or restore keys ${restoreKeys.map((k) => `"${short(k)}"`).join(', ')}` : ''}`,
        );
      }
    } catch (err) {
      o.log(`cache: warning: restore of "${short(key)}" skipped: ${describe(err)}`);
    }
  }
  state.record.seconds = seconds(now() - started);
  return state;
}

/** Saves after a successful step, when the policy pushes and the exact key missed. */
export async function saveCache(o: StepCacheOptions, state: RestoreState): Promise<StepCacheRecord> {
  const now = o.now ?? Date.now;
  const started = now();
  const record: StepCacheRecord = { ...state.record, saved: false };
  if (o.spec.policy === 'pull' || state.record.hit) return record;
  try {
    const present = await Promise.all(
      state.roots.map((r) =>
        lstat(r).then(
          () => r,
          () => null,
        ),
      ),
    );
    if (present.every((r) => r === null)) {
      o.log(`cache: warning: not saving "${short(state.key)}": none of the paths exist (${o.spec.paths.join(', ')})`);
    } else if (
      o.spec.policy === 'push' &&
      (await o.store.lookup({ key: state.key, restoreKeys: [], version: state.version }))
    ) {
      // push never looked the key up before the step: archiving a tree the store would refuse is waste.
      o.log(`cache: not saving "${short(state.key)}": the key already has an entry`);
    } else {
      const outcome = await o.store.save({ key: state.key, version: state.version, format: state.format }, (sink) =>
        writeArchive(present, state.format, sink),
      );
      record.saved = outcome.saved;
      o.log(
        outcome.saved
          ? `cache: saved "${short(state.key)}" (${outcome.entry?.size} bytes) to ${o.store.location}`
          : `cache: not saving "${short(state.key)}": ${outcome.reason}`,
      );
    }
  } catch (err) {
    o.log(`cache: warning: save of "${short(state.key)}" failed: ${describe(err)}`);
  }
  record.seconds = seconds(record.seconds * 1000 + now() - started);
  return record;
}
