// Text from files and users (task names, paths, YAML values) shown on a terminal: control
// characters would be obeyed by the terminal (an OSC sequence retitles the window, a carriage
// return overwrites what came before, bidi marks reorder the line), so they are shown as escapes.
// Pure, so that every room that prints what it was given can use it.

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' };

/**
 * C0 controls, DEL, C1 controls, and the invisible marks that change how a line is ordered:
 * LRM/RLM (U+200E–F), the embeddings and overrides (U+202A–E) and the isolates (U+2066–9).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEPING_NEWLINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every unsafe character written as an escape (`\x1b`, `\u202e`, `\n`…). With
 * `keepNewlines`, line feeds stay: for messages that are several lines by design.
 */
export function escapeControls(text: string, opts: { keepNewlines?: boolean } = {}): string {
  return text.replace(opts.keepNewlines ? UNSAFE_KEEPING_NEWLINES : UNSAFE, escapeOne);
}
