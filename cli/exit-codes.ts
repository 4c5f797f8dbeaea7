// The one place that maps errors to process exit codes.
import { escapeControls, KilnError, UsageError } from '../contract/index.js';

export const EXIT = { ok: 0, runFailed: 1, badInput: 2, internal: 70 } as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.badInput;
  if (err instanceof KilnError && 'exitCode' in err && typeof err.exitCode === 'number') return err.exitCode;
  if (err instanceof KilnError) return EXIT.badInput;
  return EXIT.internal;
}

/** One line (or a few) for stderr: the message, then a hint when the error has one. */
export function describeError(err: unknown): string {
  // Messages quote names from files and flags: shown escaped, never obeyed by the terminal.
  const safe = (text: string) => escapeControls(text, { keepNewlines: true });
  if (err instanceof KilnError) {
    const hint = 'hint' in err && typeof err.hint === 'string' && err.hint ? `\n  hint: ${safe(err.hint)}` : '';
    return `kiln: ${safe(err.message)}${hint}`;
  }
  return `kiln: internal error: ${safe(err instanceof Error ? (err.stack ?? err.message) : String(err))}`;
}
