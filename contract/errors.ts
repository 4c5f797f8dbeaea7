// Named errors with structured fields. Each part adds its own classes here or beside its code,
// extending KilnError; cli/exit-codes.ts is the one place that maps them to exit codes.

export abstract class KilnError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input from the user: a flag, an argument, a file that cannot be read. Exit code 2. */
export class UsageError extends KilnError {
  readonly code = 'usage';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
