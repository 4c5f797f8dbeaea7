// Shared by the spec tests: load text and get its diagnostics as `LINE:COL message` lines.
import { join } from 'node:path';
import { parsePipelineText, SpecError, type Diagnostic } from '../../syntax/index.js';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export function diagnosticsOf(text: string, file = join(FIXTURES, 'inline.yaml')): Diagnostic[] {
  try {
    parsePipelineText(text, file);
  } catch (err) {
    if (err instanceof SpecError) return err.diagnostics;
    throw err;
  }
  return [];
}

export function brief(d: Diagnostic): string {
  return `${d.line}:${d.col} ${d.message}`;
}
