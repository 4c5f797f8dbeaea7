// The agent's named errors. KilnError is the project's zero-dependency base class; importing it
// keeps one error hierarchy without pulling any controller code into the agent bundle.
import { KilnError } from '../contract/index.js';

/** A bad command line: exits 2 with one line naming the flag. */
export class AgentUsageError extends KilnError {
  readonly code = 'usage';
  constructor(
    message: string,
    readonly flag?: string,
  ) {
    super(message);
  }
}

/** A result file exists but cannot be read (a directory, no permission). */
export class ResultUnreadableError extends KilnError {
  readonly code = 'result-unreadable';
  constructor(
    readonly result: string,
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot read result "${result}" at ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/** A result too large for the termination message could not be stored at the collector. */
export class ResultNotStoredError extends KilnError {
  readonly code = 'result-not-stored';
  constructor(
    readonly result: string,
    readonly size: number,
    readonly url: string,
    cause: unknown,
  ) {
    super(
      `result "${result}" (${size} bytes, too large for the termination message) could not be stored at ${url}: ` +
        `${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * A file the entrypoint must read or write cannot be (a full disk, a read-only mount): the step
 * fails with reason AgentIOError and this message, instead of the agent dying half-way.
 */
export class AgentIOError extends KilnError {
  readonly code = 'agent-io';
  constructor(
    /** What the agent was doing, e.g. `writing the log spool`. */
    readonly operation: string,
    readonly path: string,
    /** The system's error code (ENOSPC, EROFS, EIO…), or SHORT_READ. */
    readonly ioCode: string,
    cause?: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : cause === undefined ? '' : String(cause);
    super(`${ioCode} ${operation} ${path}${detail ? ` (${detail})` : ''}`, { cause });
  }

  /** Wraps what a file system call threw; an AgentIOError passes through unchanged. */
  static from(operation: string, path: string, err: unknown): AgentIOError {
    if (err instanceof AgentIOError) return err;
    const code = (err as { code?: unknown } | undefined)?.code;
    return new AgentIOError(operation, path, typeof code === 'string' ? code : 'EIO', err);
  }
}
