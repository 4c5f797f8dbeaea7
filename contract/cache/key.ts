// What makes a cache key usable, checked alike by the agent (after evaluating hashFiles) and by the
// collector (on every lookup and commit).
import { KilnError } from '../index.js';

/** GitHub's limit; also keeps index rows and file names bounded. */
export const MAX_KEY_LENGTH = 512;

/** A cache key (or restore key) that cannot be used: empty, too long, or holding a bad reference. */
export class CacheKeyError extends KilnError {
  readonly code = 'cache-key';
  constructor(
    message: string,
    readonly key: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function checkKey(key: string): string {
  if (!key.trim())
    throw new CacheKeyError(
      'cache key is empty',
      key,
      "give the step a cache key, e.g. npm-$(hashFiles('package-lock.json'))",
    );
  if (key.length > MAX_KEY_LENGTH) {
    throw new CacheKeyError(
      `cache key is ${key.length} characters, over the ${MAX_KEY_LENGTH} limit`,
      key.slice(0, 64),
    );
  }
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new CacheKeyError('cache key holds a control character', key);
  return key;
}
