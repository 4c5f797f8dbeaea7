// vitest's globalSetup: the suite must leave the repository's own .kiln/ (the developer's run
// history, run directories and cache) as it found it. Every test that runs `kiln` works in a
// scratch directory; one that forgets fails the whole run here, naming what changed.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const STATE = resolve(import.meta.dirname, '..', '.kiln');

/** Path → size and mtime of .kiln/ and what lies two levels below it (runs/<id>, cache/<dir>). */
export function snapshot(dir = STATE, depth = 2): Map<string, string> {
  const out = new Map<string, string>();
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) return out;
  out.set(dir, `${st.size}:${st.mtimeMs}`);
  if (!st.isDirectory() || depth === 0) return out;
  for (const name of readdirSync(dir)) for (const [k, v] of snapshot(join(dir, name), depth - 1)) out.set(k, v);
  return out;
}

export function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].flatMap((k) => {
    if (!before.has(k)) return [`created ${k}`];
    if (!after.has(k)) return [`removed ${k}`];
    return before.get(k) === after.get(k) ? [] : [`changed ${k}`];
  });
}

export default function setup(): () => void {
  const before = snapshot();
  return () => {
    const changed = changes(before, snapshot());
    if (changed.length)
      throw new Error(
        `the test suite touched the repository's .kiln/ (a test ran kiln with the repository as its working directory?):\n  ${changed.join('\n  ')}`,
      );
  };
}
