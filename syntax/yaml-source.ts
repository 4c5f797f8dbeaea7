// YAML with positions: documents parsed with a LineCounter, and typed readers over nodes that
// report what is wrong where (FILE:LINE:COL) into a Diagnostics list instead of throwing, so a
// reader can carry on and find every error of a file.
import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  Scalar,
  type Document,
  type Node,
} from 'yaml';
import { suggest } from './did-you-mean.js';
import { parseDuration } from '../contract/index.js';

/** Longer than any pipeline should run; keeps the engine's timers (at most 2^31-1 ms) honest. */
const MAX_PIPELINE_DURATION_MS = 24 * 3_600_000;
import type { Diagnostics } from './errors.js';
import type { SourcePos } from './model.js';

/** A value in a document and where it is (for an empty value: where its key is). */
export interface At {
  node: Node | null;
  pos: SourcePos;
}

/** A map entry: its key's text and position, and its value. */
export interface Entry {
  key: string;
  keyPos: SourcePos;
  value: At;
}

/** Keys Kiln knows but refuses, with the reason shown to the user. */
export type Refused = Record<string, string>;

/** Bounds what one pipeline file may hold: a document this big is a mistake or an attack. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** Aliases are followed by the readers; a bound stops an alias bomb (the "billion laughs"). */
const MAX_ALIASES = 1000;

export class Source {
  private aliases = 0;
  /**
   * Tekton's documents are decoded by Go's encoding/json (in Tekton's defaulting webhook), which
   * matches a key to a field whatever its case (`mountpath` is `mountPath`): Kiln reads them so too.
   */
  private keysAnyCase = false;

  constructor(
    readonly file: string,
    readonly diags: Diagnostics,
    private readonly lines: LineCounter,
    private readonly doc: Document,
  ) {}

  posAt(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  root(): At {
    return this.at(this.doc.contents as Node | null, this.posAt(this.doc.range?.[0] ?? 0));
  }

  /** Follows aliases, and keeps `fallback` as the position of an empty value. */
  at(node: Node | null | undefined, fallback: SourcePos): At {
    let n = node ?? null;
    if (n && isAlias(n)) {
      if (++this.aliases > MAX_ALIASES) {
        this.error(
          fallback,
          `more than ${MAX_ALIASES} alias uses in one document`,
          'write the values out instead of repeating *aliases',
        );
        return { node: null, pos: fallback };
      }
      n = (n.resolve(this.doc) as Node | undefined) ?? null;
    }
    if (n && isScalar(n) && n.value === null) n = null;
    return { node: n, pos: n?.range ? this.posAt(n.range[0]) : fallback };
  }

  /** From now on `fields` matches keys as Go's encoding/json does (a Tekton or Kubernetes document). */
  matchKeysAnyCase(): void {
    this.keysAnyCase = true;
  }

  /** A Tekton or Kubernetes document: its references are read as Tekton reads them (validate.ts). */
  get tekton(): boolean {
    return this.keysAnyCase;
  }

  error(pos: SourcePos, message: string, hint?: string): void {
    this.diags.add(pos, message, hint);
  }

  /** Entries of a mapping whose keys the user chooses (task names, env…). */
  entries(at: At, what: string): Entry[] | undefined {
    if (!at.node) return [];
    if (!isMap(at.node)) {
      this.error(at.pos, `${what} must be a mapping`, `write "${what}:" followed by indented "key: value" lines`);
      return undefined;
    }
    const out: Entry[] = [];
    for (const pair of at.node.items) {
      const keyNode = pair.key as Node | null;
      const keyPos = keyNode?.range ? this.posAt(keyNode.range[0]) : at.pos;
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        this.error(keyPos, `a key in ${what} must be a plain name`);
        continue;
      }
      out.push({ key: String(keyNode.value), keyPos, value: this.at(pair.value as Node | null, keyPos) });
    }
    return out;
  }

  /** A mapping with a fixed set of keys: unknown ones are reported with a did-you-mean. */
  fields(at: At, what: string, known: readonly string[], refused: Refused = {}): Map<string, At> | undefined {
    const entries = this.entries(at, what);
    if (!entries) return undefined;
    const out = new Map<string, At>();
    for (const e of entries) {
      const key = this.knownKey(e.key, known, refused);
      if (refused[key] !== undefined) this.error(e.keyPos, `${what}: "${e.key}" is not supported`, refused[key]);
      else if (!known.includes(key)) this.error(e.keyPos, `${what}: unknown key "${e.key}"`, suggest(e.key, known));
      else if (out.has(key)) this.error(e.keyPos, `${what}: "${e.key}" repeats "${key}"`, `keep one ${key}`);
      else out.set(key, e.value);
    }
    return out;
  }

  /** The key as written, or (keys matched in any case) the known or refused key it spells. */
  private knownKey(key: string, known: readonly string[], refused: Refused): string {
    if (!this.keysAnyCase || known.includes(key) || refused[key] !== undefined) return key;
    const lower = key.toLowerCase();
    return [...known, ...Object.keys(refused)].find((k) => k.toLowerCase() === lower) ?? key;
  }

  /** A scalar as text (numbers and booleans as written: `retries: 3` → "3"). */
  string(at: At | undefined, what: string): string | undefined {
    if (!at?.node) return undefined;
    if (isScalar(at.node) && typeof at.node.value !== 'object') return sourceText(at.node);
    this.error(at.pos, `${what} must be a single value, not a ${isMap(at.node) ? 'mapping' : 'list'}`);
    return undefined;
  }

  /** The position of offset `i` inside a scalar's text, when it is on one line as written. */
  textPos(at: At): (i: number) => SourcePos {
    const n = at.node;
    const oneLine =
      n &&
      isScalar(n) &&
      n.range &&
      (n.type === Scalar.PLAIN || n.type === Scalar.QUOTE_SINGLE || n.type === Scalar.QUOTE_DOUBLE);
    if (!oneLine) return () => at.pos;
    const start = n.range![0] + (n.type === Scalar.PLAIN ? 0 : 1);
    const text = String(n.value);
    return (i) => {
      const p = this.posAt(start + i);
      return p.line === at.pos.line && !text.includes('\\') ? p : at.pos;
    };
  }

  list(at: At | undefined, what: string): At[] | undefined {
    if (!at?.node) return [];
    if (!isSeq(at.node)) {
      this.error(at.pos, `${what} must be a list`, `write "${what}: [a, b]" or one "- item" per line`);
      return undefined;
    }
    return at.node.items.map((item) => this.at(item as Node | null, at.pos));
  }

  stringList(at: At | undefined, what: string): { value: string; at: At }[] {
    return (this.list(at, what) ?? []).flatMap((item) => {
      const value = this.string(item, `an item of ${what}`);
      return value === undefined ? [] : [{ value, at: item }];
    });
  }

  /** `key: value` pairs of text (env, with…). */
  stringMap(at: At | undefined, what: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of (at && this.entries(at, what)) ?? []) {
      out[e.key] = this.string(e.value, `${what}.${e.key}`) ?? '';
    }
    return out;
  }

  duration(at: At | undefined, what: string): number | undefined {
    const text = this.string(at, what);
    if (text === undefined) return undefined;
    const exact = parseDuration(text);
    const ms = exact === undefined ? undefined : Math.round(exact);
    if (ms === undefined)
      this.error(at!.pos, `${what}: "${text}" is not a duration`, 'write a duration like 90s, 10m, 1h30m or 500ms');
    else if (ms > MAX_PIPELINE_DURATION_MS)
      this.error(at!.pos, `${what}: ${text} is longer than 24h`, 'use a timeout of at most 24h');
    else return ms;
    return undefined;
  }

  integer(at: At | undefined, what: string, min: number, max: number): number | undefined {
    const text = this.string(at, what);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    this.error(at!.pos, `${what}: "${text}" is not a whole number from ${min} to ${max}`);
    return undefined;
  }

  choice<T extends string>(at: At | undefined, what: string, choices: readonly T[]): T | undefined {
    const text = this.string(at, what);
    if (text === undefined) return undefined;
    if ((choices as readonly string[]).includes(text)) return text as T;
    this.error(at!.pos, `${what}: "${text}" is not one of ${choices.join(', ')}`, suggest(text, choices));
    return undefined;
  }
}

/** A scalar's value as text, keeping numbers as the user wrote them (`1.10` stays "1.10"). */
function sourceText(node: Scalar): string {
  if (typeof node.value === 'string') return node.value;
  return node.source ?? String(node.value);
}

/** Parses every document of a file; YAML syntax errors become diagnostics. */
export function parseYamlDocuments(text: string, file: string, diags: Diagnostics): Source[] {
  if (text.length > MAX_FILE_BYTES) {
    diags.add(
      { file, line: 1, col: 1 },
      `file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`,
      'split the pipeline or its templates',
    );
    return [];
  }
  const lines = new LineCounter();
  // The yaml library's own duplicate-key check compares each key with every earlier one: quadratic
  // in a map's size (a 5000-task pipeline spent most of its validation there). duplicateKeys is linear.
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const sources: Source[] = [];
  for (const doc of Array.isArray(docs) ? docs : []) {
    const source = new Source(file, diags, lines, doc);
    for (const err of doc.errors)
      diags.add(source.posAt(err.pos[0]), `YAML: ${err.message.split('\n', 1)[0]!}`, SYNTAX_HINT);
    const duplicates = doc.errors.length === 0 ? duplicateKeys(doc.contents) : [];
    for (const offset of duplicates)
      diags.add(source.posAt(offset), 'YAML: Map keys must be unique', 'each key may appear once in a mapping');
    // An empty document (a trailing `---`, or one holding only comments) holds nothing to read.
    const empty = doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
    if (doc.errors.length === 0 && duplicates.length === 0 && !empty) sources.push(source);
  }
  return sources;
}

const SYNTAX_HINT = 'fix the YAML syntax here';

/** Where a key repeats one before it in the same mapping (scalar keys compared by type and value). */
function duplicateKeys(node: unknown, found: number[] = []): number[] {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const { key, value } of node.items) {
      const id = isScalar(key) ? `${typeof key.value}:${String(key.value)}` : `node:${String(key)}`;
      if (seen.has(id)) found.push((isNode(key) && key.range?.[0]) || 0);
      seen.add(id);
      duplicateKeys(value, found);
    }
  } else if (isSeq(node)) for (const item of node.items) duplicateKeys(item, found);
  return found;
}
