// The collector's named errors. Each carries the HTTP status it answers with.
import { KilnError } from '../contract/index.js';

/** A request the collector refuses: the status and a message that says what and how to fix it. */
export class RequestRejected extends KilnError {
  readonly code = 'collector-request-rejected';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 429,
    message: string,
  ) {
    super(message);
  }
}

/** A log batch that does not decode or breaks the wire contract; nothing of it is stored. */
export class BadLogBatch extends RequestRejected {
  constructor(
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(status, `bad log batch: ${message}`);
  }
}
