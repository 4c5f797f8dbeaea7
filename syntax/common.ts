// Pieces both readers (Kiln syntax and Tekton) share: names, strings recorded for reference
// checks, `when`, `matrix`, and binding a task template's params.
import { isMap, isSeq } from 'yaml';
import { suggest } from './did-you-mean.js';
import type { ParamSpec, ParamValue, SourcePos, SidecarSpec, StepSpec, TaskVolume, WhenExpression } from './model.js';
import type { RefScope, Sites } from './sites.js';
import { parseWhenText } from './when.js';
import type { At, Source } from './yaml-source.js';

/** Kubernetes names (task runs become Pods): DNS-1123 labels. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_MATRIX_COMBINATIONS = 256;
export const MAX_RETRIES = 100;

export function checkName(src: Source, name: string, pos: SourcePos, what: string): void {
  if (name.length <= 63 && DNS_LABEL.test(name)) return;
  const fixed =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'name';
  src.error(
    pos,
    `${what} "${name}" is not a valid name`,
    `use lower-case letters, digits and "-" (at most 63), e.g. "${fixed}"`,
  );
}

/** Reads strings and records them for reference checks under one scope. */
export class TextReader {
  constructor(
    readonly src: Source,
    readonly sites: Sites,
    readonly scope: RefScope,
  ) {}

  text(at: At | undefined, what: string): string | undefined {
    const value = this.src.string(at, what);
    if (value !== undefined) this.sites.text(value, at!.pos, this.scope, this.src.textPos(at!), this.src.tekton);
    return value;
  }

  list(at: At | undefined, what: string): string[] {
    return this.src.stringList(at, what).map(({ value, at: item }) => {
      this.sites.text(value, item.pos, this.scope, this.src.textPos(item), this.src.tekton);
      return value;
    });
  }

  map(at: At | undefined, what: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of (at && this.src.entries(at, what)) ?? []) out[e.key] = this.text(e.value, `${what}.${e.key}`) ?? '';
    return out;
  }

  /** A param value: a string, a list of strings or a mapping of strings. */
  value(at: At, what: string): ParamValue | undefined {
    if (isSeq(at.node)) return this.list(at, what);
    if (isMap(at.node)) return this.map(at, what);
    return this.text(at, what);
  }
}

/** `when:` items, each a string (`x in [a, b]`, `x == y`…) or Tekton's {input, operator, values}. */
export function readWhen(reader: TextReader, at: At | undefined, what: string): WhenExpression[] {
  const out: WhenExpression[] = [];
  for (const item of reader.src.list(at, what) ?? []) {
    const itemWhat = `an item of ${what}`;
    const obj = isMap(item.node)
      ? reader.src.fields(item, itemWhat, ['input', 'operator', 'values', 'cel'])
      : undefined;
    if (obj?.has('cel')) continue; // readWhenCel's
    if (obj) {
      const input = reader.text(obj.get('input'), `${itemWhat}.input`);
      const operator = reader.src.choice(obj.get('operator'), `${itemWhat}.operator`, ['in', 'notin'] as const);
      const values = reader.list(obj.get('values'), `${itemWhat}.values`);
      if (obj.size === 0) continue; // only refused or unknown keys: reported by fields()
      if (input === undefined || operator === undefined || values.length === 0) {
        reader.src.error(item.pos, `${itemWhat} needs input, operator (in or notin) and a non-empty values list`);
      } else out.push({ input, operator, values, pos: item.pos });
      continue;
    }
    if (isMap(item.node)) continue; // reported by fields()
    const text = reader.text(item, itemWhat);
    if (text === undefined) continue;
    const parsed = parseWhenText(text);
    if ('error' in parsed)
      reader.src.error(item.pos, `${what}: ${parsed.error}`, 'write "$(params.x) in [a, b]", "notin", "==" or "!="');
    else out.push({ ...parsed, pos: item.pos });
  }
  return out;
}

/** Checks the number of combinations; a `$(params.a[*])` value counts once here (its size is known at run time). */
export function checkMatrixSize(src: Source, matrix: Record<string, string[]>, pos: SourcePos, extra = 0): void {
  const combinations =
    (Object.keys(matrix).length ? Object.values(matrix).reduce((n, values) => n * Math.max(1, values.length), 1) : 0) +
    extra;
  if (combinations > MAX_MATRIX_COMBINATIONS) {
    src.error(
      pos,
      `matrix has ${combinations} combinations, more than ${MAX_MATRIX_COMBINATIONS}`,
      'use fewer values or split the task',
    );
  }
}

/** What a task is made of before a pipeline task binds it: a Kiln template or a Tekton Task. */
export interface TaskTemplate {
  name: string;
  displayName?: string;
  params: ParamSpec[];
  results: string[];
  workspaces: { name: string; optional: boolean; readOnly?: true }[];
  image?: string;
  env: Record<string, string>;
  steps: StepSpec[];
  /** Tekton's `volumes` (a Task's). */
  volumes?: TaskVolume[];
  /** Tekton's `sidecars` (a Task's). */
  sidecars?: SidecarSpec[];
  pos: SourcePos;
}

export interface GivenParam {
  value: ParamValue;
  pos: SourcePos;
}

/**
 * The task's params for one use: given values checked against the declarations, defaults
 * filled in. Params the matrix provides need no value. A param the template does not declare is
 * an error, unless `use.undeclared` says what Tekton does with it: `ignore` (a referenced Task
 * cannot read it) or `keep` (an embedded spec reads it: propagation).
 */
export function bindParams(
  src: Source,
  template: { name: string; params: readonly ParamSpec[] },
  given: Map<string, GivenParam>,
  use: { pos: SourcePos; key: string; matrix: string[]; undeclared?: 'ignore' | 'keep' },
): Record<string, ParamValue> {
  const declared = new Map(template.params.map((p) => [p.name, p]));
  const out: Record<string, ParamValue> = {};
  for (const [name, g] of given) {
    const spec = declared.get(name);
    if (!spec) {
      if (use.undeclared === 'keep') out[name] = g.value;
      else if (use.undeclared !== 'ignore')
        src.error(g.pos, `${use.key}: "${template.name}" has no param "${name}"`, suggest(name, [...declared.keys()]));
      continue;
    }
    const kind = typeof g.value === 'string' ? 'string' : Array.isArray(g.value) ? 'array' : 'object';
    const wholeRef = typeof g.value === 'string' && /^\$\([^)]*\)$/.test(g.value.trim());
    if (kind !== spec.type && !(wholeRef && spec.type !== 'string') && !(kind === 'string' && g.value === '')) {
      src.error(g.pos, `${use.key}: param "${name}" of "${template.name}" is a ${spec.type}, got a ${kind}`);
    }
    out[name] = g.value;
  }
  for (const spec of template.params) {
    if (Object.hasOwn(out, spec.name) || use.matrix.includes(spec.name)) continue;
    if (spec.default !== undefined) out[spec.name] = spec.default;
    else
      src.error(
        use.pos,
        `"${template.name}" needs param "${spec.name}"`,
        `give it under ${use.key}: ${spec.name}: VALUE`,
      );
  }
  return out;
}

/** A Kiln task's (or template's) `results:` names: each once, letters, digits, "_" and "-". */
export function readResults(src: Source, at: At | undefined, what: string): string[] {
  const out: string[] = [];
  for (const { value, at: item } of src.stringList(at, what)) {
    if (out.includes(value)) src.error(item.pos, `${what}: "${value}" is declared twice`);
    else if (!/^[A-Za-z0-9_][\w-]*$/.test(value))
      src.error(item.pos, `${what}: "${value}" is not a valid result name`, 'use letters, digits, "_" and "-"');
    else out.push(value);
  }
  return out;
}
