// Glob patterns for hashFiles(), compiled to anchored regular expressions over workspace-relative
// paths with `/` separators. Supported: `*` (within a segment), `**` (any number of segments),
// `?`, `[abc]` / `[!abc]`, `{a,b}`. Kept here, not in a package, because the agent bundle must stay small.

export const MAX_GLOB_LENGTH = 1024;

const REGEX_SPECIAL = /[\\^$.|+()[\]{}*?]/;

export function globToRegExp(pattern: string): RegExp {
  if (pattern.length > MAX_GLOB_LENGTH) throw new Error(`glob longer than ${MAX_GLOB_LENGTH} characters`);
  let src = '';
  let braceDepth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const atSegmentStart = i === 0 || pattern[i - 1] === '/';
        const atSegmentEnd = i + 2 === pattern.length || pattern[i + 2] === '/';
        if (atSegmentStart && atSegmentEnd) {
          // `**/` matches zero or more whole segments; a trailing `**` matches everything below.
          if (pattern[i + 2] === '/') {
            src += '(?:[^/]+/)*';
            i += 2;
          } else {
            src += '.*';
            i += 1;
          }
          continue;
        }
        i += 1; // `a**b` is just `a*b`
      }
      src += '[^/]*';
    } else if (c === '?') {
      src += '[^/]';
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        src += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      src += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else if (c === '{') {
      braceDepth++;
      src += '(?:';
    } else if (c === '}' && braceDepth > 0) {
      braceDepth--;
      src += ')';
    } else if (c === ',' && braceDepth > 0) {
      src += '|';
    } else {
      src += REGEX_SPECIAL.test(c) ? `\\${c}` : c;
    }
  }
  if (braceDepth > 0) throw new Error(`unclosed "{" in glob "${pattern}"`);
  return new RegExp(`^${src}$`);
}

/** The leading literal directory of a pattern: where a walk can start instead of the root. */
export function globBase(pattern: string): string {
  const segments = pattern.split('/');
  const literal: string[] = [];
  for (const s of segments.slice(0, -1)) {
    if (isGlob(s)) break;
    literal.push(s);
  }
  return literal.join('/');
}

/** Whether a pattern (or one segment of it) holds a glob character, not only literal names. */
export const isGlob = (pattern: string): boolean => /[*?[{]/.test(pattern);
