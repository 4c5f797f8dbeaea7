// Spec errors: every problem found in a pipeline file, with FILE:LINE:COL and a hint, reported
// all at once. Readers push into a Diagnostics list and keep going; SpecError is thrown at the end.
import { escapeControls, KilnError } from '../contract/index.js';
import type { SourcePos } from './model.js';

export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
}

/** FILE:LINE:COL: message, then the hint on a line of its own; names in it cannot drive the terminal. */
export function formatDiagnostic(d: Diagnostic): string {
  const hint = d.hint ? `\n  hint: ${escapeControls(d.hint)}` : '';
  return `${escapeControls(d.file)}:${d.line}:${d.col}: ${escapeControls(d.message)}${hint}`;
}

/** A pipeline that cannot run: every diagnostic of every file read, in file/line order. */
export class SpecError extends KilnError {
  readonly code = 'spec';
  readonly exitCode = 2;
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}

/**
 * Collects diagnostics; `throwIfAny()` turns them into one SpecError. Warnings (`warn`) stop
 * nothing: what Tekton runs as written although it is most likely a slip (docs/syntax.md).
 */
export class Diagnostics {
  readonly list: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  add(pos: SourcePos | undefined, message: string, hint?: string): void {
    this.push(this.list, pos, message, hint);
  }

  warn(pos: SourcePos | undefined, message: string, hint?: string): void {
    this.push(this.warnings, pos, `warning: ${message}`, hint);
  }

  private push(into: Diagnostic[], pos: SourcePos | undefined, message: string, hint?: string): void {
    const p = pos ?? { file: '<unknown>', line: 1, col: 1 };
    // The same node can be reached twice (an alias, a Task used by two pipeline tasks); report it once.
    const key = `${p.file}\0${p.line}\0${p.col}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    into.push({ file: p.file, line: p.line, col: p.col, message, ...(hint ? { hint } : {}) });
  }

  get count(): number {
    return this.list.length;
  }

  throwIfAny(): void {
    if (this.list.length === 0) return;
    const sorted = [...this.list].sort((a, b) =>
      a.file === b.file ? a.line - b.line || a.col - b.col : a.file < b.file ? -1 : 1,
    );
    throw new SpecError(sorted);
  }
}
