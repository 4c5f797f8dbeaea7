// The `triggers:` file kiln serve reads: its triggers checked with FILE:LINE:COL diagnostics, every
// error at once, and its paths (pipeline, secretFile, status.tokenFile) taken relative to the file.
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { UsageError } from '../contract/index.js';
import { Diagnostics } from '../syntax/index.js';
import type { Trigger } from './model.js';
import { readTriggerSpec, type SpecReadContext } from './read-spec.js';

const MAX_FILE_BYTES = 1024 * 1024;

export function parseTriggersText(text: string, file: string): Trigger[] {
  const diags = new Diagnostics();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const posAt = (offset: number) => ({ file, ...lines.linePos(offset) });
  for (const e of doc.errors) diags.add(posAt(e.pos[0]), e.message.split('\n')[0]);
  diags.throwIfAny();
  const root = doc.toJS({ maxAliasCount: 100 }) as unknown;
  const posOf = (path: (string | number)[]) => {
    // The value's node, else its nearest ancestor that exists (a missing key is reported at its map).
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return posAt(node.range[0]);
    }
    return posAt(0);
  };
  const list =
    root && typeof root === 'object' && !Array.isArray(root) ? (root as { triggers?: unknown }).triggers : undefined;
  if (!Array.isArray(list)) {
    diags.add(
      posOf(['triggers']),
      'a triggers file is a map with triggers: a list of triggers',
      'see docs/triggers.md',
    );
    diags.throwIfAny();
  }
  const out: Trigger[] = [];
  const seen = new Set<string>();
  (list as unknown[]).forEach((item, i) => {
    const at = ['triggers', i];
    const c: SpecReadContext = { diags, pos: (p) => posOf([...at, ...p]), form: 'file' };
    if (!item || typeof item !== 'object' || Array.isArray(item))
      return void diags.add(posOf(at), 'a trigger is a map with name, pipeline, source, …');
    const name = (item as { name?: unknown }).name;
    if (typeof name !== 'string')
      return void diags.add(posOf(at), 'a trigger needs name: its name in POST /v1/hooks/NAME');
    if (seen.has(name)) diags.add(posOf([...at, 'name']), `trigger ${JSON.stringify(name)} is declared twice`);
    seen.add(name);
    const t = readTriggerSpec(item as Record<string, unknown>, name, c);
    if (!t) return;
    const base = dirname(resolve(file));
    out.push({
      ...t,
      pipeline: resolve(base, t.pipeline),
      secretFile: t.secretFile && resolve(base, t.secretFile),
      status: t.status && { ...t.status, tokenFile: t.status.tokenFile && resolve(base, t.status.tokenFile) },
    });
  });
  diags.throwIfAny();
  return out;
}

export function loadTriggersFile(file: string): Trigger[] {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new UsageError(
      `cannot read triggers file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      'pass --triggers FILE naming an existing file',
    );
  }
  if (size > MAX_FILE_BYTES)
    throw new UsageError(`triggers file ${file} is ${size} bytes, over the ${MAX_FILE_BYTES} a triggers file may hold`);
  return parseTriggersText(readFileSync(file, 'utf8'), file);
}

/** A trigger by name, or a usage error naming the ones there are. */
export function findTrigger(triggers: Trigger[], name: string): Trigger {
  const t = triggers.find((x) => x.name === name);
  if (!t)
    throw new UsageError(
      `no trigger named ${JSON.stringify(name)}`,
      `triggers: ${triggers.map((x) => x.name).join(', ') || '(none)'}`,
    );
  return t;
}
