import { describe, expect, it } from 'vitest';
import { escapeControls } from '../../contract/index.js';

describe('escapeControls', () => {
  // [what, input, escaped, escaped keeping newlines]
  const table: [string, string, string, string][] = [
    ['plain text and non-Latin letters pass', 'build-é-日本 ✓', 'build-é-日本 ✓', 'build-é-日本 ✓'],
    ['an OSC title sequence (ESC … BEL)', '\u001b]0;PWNED\u0007x', '\\x1b]0;PWNED\\x07x', '\\x1b]0;PWNED\\x07x'],
    ['a CSI colour', '\u001b[31mred', '\\x1b[31mred', '\\x1b[31mred'],
    ['NUL, tab, carriage return', 'a\u0000b\tc\rd', 'a\\0b\\tc\\rd', 'a\\0b\\tc\\rd'],
    ['a line feed', 'a\nb', 'a\\nb', 'a\nb'],
    [
      'DEL and the C1 range (CSI 0x9b, 0x80, 0x9f)',
      '\u007f\u009b\u0080\u009f',
      '\\x7f\\x9b\\x80\\x9f',
      '\\x7f\\x9b\\x80\\x9f',
    ],
    ['LRM and RLM', 'a\u200eb\u200fc', 'a\\u200eb\\u200fc', 'a\\u200eb\\u200fc'],
    [
      'the bidi embeddings and overrides',
      '\u202a\u202b\u202c\u202d\u202e',
      '\\u202a\\u202b\\u202c\\u202d\\u202e',
      '\\u202a\\u202b\\u202c\\u202d\\u202e',
    ],
    ['the bidi isolates', '\u2066\u2067\u2068\u2069', '\\u2066\\u2067\\u2068\\u2069', '\\u2066\\u2067\\u2068\\u2069'],
    [
      'neighbours of the ranges pass',
      '\u00a0\u200d\u2029\u202f\u2065\u206a',
      '\u00a0\u200d\u2029\u202f\u2065\u206a',
      '\u00a0\u200d\u2029\u202f\u2065\u206a',
    ],
    ['a backslash is left as it is', 'C:\\x1b', 'C:\\x1b', 'C:\\x1b'],
  ];
  for (const [what, input, escaped, keepingNewlines] of table) {
    it(what, () => {
      expect(escapeControls(input)).toBe(escaped);
      expect(escapeControls(input, { keepNewlines: true })).toBe(keepingNewlines);
    });
  }

  it('leaves no character of the unsafe ranges in its output, for every code point below U+2100', () => {
    const all = Array.from({ length: 0x2100 }, (_, i) => String.fromCharCode(i)).join('');
    expect(escapeControls(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
  });
});
