// Errors of talking to a collector.
import { KilnError } from '../../contract/index.js';

/** The collector could not be reached at all. */
export class CollectorUnreachable extends KilnError {
  readonly code = 'collector-unreachable';
  readonly exitCode = 1;
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach the collector at ${url}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
  get hint() {
    return 'start one with `kiln collector`, or check --collector / KILN_COLLECTOR';
  }
}

/** The collector answered with an error status. */
export class CollectorRequestFailed extends KilnError {
  readonly code = 'collector-request-failed';
  readonly exitCode = 1;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${method} ${path}: the collector answered ${status}: ${detail}`);
  }
  get hint() {
    return this.status === 401
      ? "pass the reader token with --token or KILN_TOKEN (see .kiln/reader-token on the collector's machine)"
      : undefined;
  }
}
