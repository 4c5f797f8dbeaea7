// `$(body.a.b)`, `$(header.X-Name)`, `$(params.name)`, `$(delivery.branch)` in a trigger's params
// and concurrency group. Parsed once when the trigger is read; resolved by walking the parsed path
// over the delivery's data: nothing is ever evaluated as code.

export const TEMPLATE_SCOPES = ['body', 'header', 'params', 'delivery'] as const;
export type TemplateScope = (typeof TEMPLATE_SCOPES)[number];

export const DELIVERY_FIELDS = ['id', 'event', 'branch', 'tag', 'sha', 'repo'] as const;

export interface TemplateRef {
  scope: TemplateScope;
  path: string[];
  /** As written, for messages. */
  text: string;
}

/** Literal text and references, in order. `whole` when the value is exactly one reference. */
export interface Template {
  parts: (string | TemplateRef)[];
  whole: boolean;
}

export class TemplateSyntaxError extends Error {}

const MAX_TEMPLATE = 4096;
const MAX_DEPTH = 32;
const SEGMENT = /^[A-Za-z0-9_-]+$/;

function parseRef(inner: string): TemplateRef {
  const text = `$(${inner})`;
  const [scope, ...path] = inner.split('.');
  if (!(TEMPLATE_SCOPES as readonly string[]).includes(scope))
    throw new TemplateSyntaxError(`${text}: unknown scope ${JSON.stringify(scope)}; use ${TEMPLATE_SCOPES.join(', ')}`);
  if (path.length === 0 || path.length > MAX_DEPTH || path.some((s) => !SEGMENT.test(s)))
    throw new TemplateSyntaxError(
      `${text}: expected ${scope}.NAME(.NAME)* with names of letters, digits, _ and - (at most ${MAX_DEPTH} deep)`,
    );
  if ((scope === 'header' || scope === 'params') && path.length !== 1)
    throw new TemplateSyntaxError(`${text}: ${scope} takes one name, as in $(${scope}.NAME)`);
  if (scope === 'delivery' && (path.length !== 1 || !(DELIVERY_FIELDS as readonly string[]).includes(path[0])))
    throw new TemplateSyntaxError(`${text}: delivery has ${DELIVERY_FIELDS.join(', ')}`);
  return { scope: scope as TemplateScope, path: scope === 'header' ? [path[0].toLowerCase()] : path, text };
}

export function parseTemplate(source: string): Template {
  if (source.length > MAX_TEMPLATE) throw new TemplateSyntaxError(`longer than ${MAX_TEMPLATE} characters`);
  const parts: (string | TemplateRef)[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('$(', at);
    if (open < 0) {
      parts.push(source.slice(at));
      break;
    }
    if (open > at) parts.push(source.slice(at, open));
    const close = source.indexOf(')', open);
    if (close < 0) throw new TemplateSyntaxError(`${JSON.stringify(source.slice(open))}: "$(" is never closed`);
    parts.push(parseRef(source.slice(open + 2, close)));
    at = close + 1;
  }
  return { parts, whole: parts.length === 1 && typeof parts[0] !== 'string' };
}

/** What references can read: the parsed body, lower-cased headers, resolved params, the delivery's facts. */
export interface TemplateData {
  body: unknown;
  header: Record<string, string>;
  params: Record<string, unknown>;
  delivery: Record<string, string | undefined>;
}

export class TemplateMissing extends Error {
  constructor(readonly ref: string) {
    super(`${ref} is not in the delivery`);
  }
}

function lookup(data: TemplateData, ref: TemplateRef): unknown {
  let value: unknown = data[ref.scope];
  for (const segment of ref.path) {
    if (Array.isArray(value) && /^\d+$/.test(segment)) value = value[Number(segment)];
    else if (value && typeof value === 'object' && Object.hasOwn(value, segment))
      value = (value as Record<string, unknown>)[segment];
    else value = undefined;
    if (value === undefined) break;
  }
  if (value === undefined || value === null) throw new TemplateMissing(ref.text);
  return value;
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** A param value: a whole reference keeps a string, a list of strings or a map of strings; anything else becomes text. */
export function resolveTemplate(t: Template, data: TemplateData): string | string[] | Record<string, string> {
  if (t.whole) {
    const v = lookup(data, t.parts[0] as TemplateRef);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'))
      return v as Record<string, string>;
    return asText(v);
  }
  return t.parts.map((p) => (typeof p === 'string' ? p : asText(lookup(data, p)))).join('');
}

/** The references a template reads, for checks at load time (a group naming an unknown param). */
export const templateRefs = (t: Template): TemplateRef[] =>
  t.parts.filter((p): p is TemplateRef => typeof p !== 'string');
