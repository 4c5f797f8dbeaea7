// The dependency cache's named errors. Each carries the fields a caller needs to explain itself;
// a restore turns the "entry is bad" kinds into a warning and a miss, never a failed step.
import { KilnError } from '../../contract/index.js';

/** `hashFiles(...)` matched no file: a key built from nothing would collide across projects. */
export class HashFilesNoMatchError extends KilnError {
  readonly code = 'cache-hashfiles-no-match';
  constructor(
    readonly patterns: string[],
    readonly workspace: string,
  ) {
    super(`hashFiles(${patterns.map((p) => `'${p}'`).join(', ')}) matched no file under ${workspace}`);
  }
  get hint(): string {
    return 'check the glob is relative to the workspace (e.g. **/package-lock.json) and the file is checked out before this step';
  }
}

/** A cache path that is neither inside the workspace nor absolute, or otherwise unusable. */
export class CachePathError extends KilnError {
  readonly code = 'cache-path';
  constructor(
    message: string,
    readonly path: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A stored entry that must not be restored: its bytes do not hash to the recorded digest, or it will not decode. */
export class CacheEntryCorruptError extends KilnError {
  readonly code = 'cache-entry-corrupt';
  constructor(
    message: string,
    readonly key: string,
    readonly digest: string,
  ) {
    super(message);
  }
}

/** The cache store answered something unexpected (HTTP status, I/O). */
export class CacheStoreError extends KilnError {
  readonly code = 'cache-store';
  constructor(
    message: string,
    readonly store: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
