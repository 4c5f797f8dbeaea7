// One trigger's fields checked into a Trigger: shared by the `triggers:` file and the Trigger
// resource. Every problem goes to Diagnostics with where it is, so a file shows all its errors.
import { suggest, type Diagnostics, type SourcePos } from '../syntax/index.js';
import { CelCompileError, compileFilter } from './cel.js';
import { SOURCES, type Source, type StatusTarget, type Trigger } from './model.js';
import { parseTemplate, templateRefs, TemplateSyntaxError, type Template } from './template.js';

/** Where a value is, by its path from the trigger (for messages). */
export type PosOf = (path: (string | number)[]) => SourcePos | undefined;

export interface SpecReadContext {
  diags: Diagnostics;
  pos: PosOf;
  /** File form: secretFile and tokenFile are paths; resource form: secretKey. */
  form: 'file' | 'resource';
}

export const TRIGGER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const KEYS = {
  file: [
    'name',
    'pipeline',
    'source',
    'secretFile',
    'events',
    'branches',
    'filter',
    'params',
    'concurrency',
    'status',
    'engine',
  ],
  resource: ['pipeline', 'source', 'secretKey', 'events', 'branches', 'filter', 'params', 'concurrency', 'status'],
};
const ENGINES = ['host', 'podman', 'auto'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

function unknownKeys(v: Obj, known: string[], path: (string | number)[], c: SpecReadContext): void {
  for (const k of Object.keys(v))
    if (!known.includes(k))
      c.diags.add(
        c.pos([...path, k]),
        `unknown field ${JSON.stringify(k)}`,
        suggest(k, known) || `fields: ${known.join(', ')}`,
      );
}

function text(v: Obj, key: string, c: SpecReadContext, path: (string | number)[] = []): string | undefined {
  const x = v[key];
  if (x === undefined) return undefined;
  if (typeof x === 'string' && x.trim()) return x;
  c.diags.add(c.pos([...path, key]), `${key} must be a non-empty string`);
  return undefined;
}

function strings(v: Obj, key: string, c: SpecReadContext): string[] {
  const x = v[key];
  if (x === undefined) return [];
  if (Array.isArray(x) && x.every((s) => typeof s === 'string' && s)) return x as string[];
  c.diags.add(c.pos([key]), `${key} must be a list of non-empty strings`);
  return [];
}

function template(source: unknown, path: (string | number)[], c: SpecReadContext): Template | undefined {
  if (typeof source !== 'string') {
    c.diags.add(c.pos(path), `${path.join('.')} must be a string (a $(body.…) reference or text)`);
    return undefined;
  }
  try {
    return parseTemplate(source);
  } catch (err) {
    if (!(err instanceof TemplateSyntaxError)) throw err;
    c.diags.add(c.pos(path), `${path.join('.')}: ${err.message}`);
    return undefined;
  }
}

function readParams(v: Obj, c: SpecReadContext): Record<string, Template> {
  const out: Record<string, Template> = {};
  if (v.params === undefined) return out;
  if (!isObj(v.params)) {
    c.diags.add(c.pos(['params']), 'params must be a map of name: value');
    return out;
  }
  for (const [name, source] of Object.entries(v.params)) {
    const t = template(source, ['params', name], c);
    if (!t) continue;
    for (const ref of templateRefs(t))
      if (ref.scope === 'params')
        c.diags.add(c.pos(['params', name]), `params.${name}: ${ref.text}: a param cannot read another param`);
    out[name] = t;
  }
  return out;
}

function readConcurrency(v: Obj, params: Record<string, Template>, c: SpecReadContext): Trigger['concurrency'] {
  if (v.concurrency === undefined) return undefined;
  if (!isObj(v.concurrency) || typeof v.concurrency.group !== 'string') {
    c.diags.add(c.pos(['concurrency']), 'concurrency must be { group: TEXT, cancelInProgress: BOOL }');
    return undefined;
  }
  unknownKeys(v.concurrency, ['group', 'cancelInProgress'], ['concurrency'], c);
  const cancel = v.concurrency.cancelInProgress ?? false;
  if (typeof cancel !== 'boolean')
    c.diags.add(c.pos(['concurrency', 'cancelInProgress']), 'cancelInProgress must be true or false');
  const group = template(v.concurrency.group, ['concurrency', 'group'], c);
  for (const ref of group ? templateRefs(group) : [])
    if (ref.scope === 'params' && !(ref.path[0] in params))
      c.diags.add(
        c.pos(['concurrency', 'group']),
        `${ref.text}: the trigger has no param ${JSON.stringify(ref.path[0])}`,
        suggest(ref.path[0], Object.keys(params)),
      );
  return group ? { group, cancelInProgress: cancel === true } : undefined;
}

function readFilter(v: Obj, c: SpecReadContext): Trigger['filter'] {
  if (v.filter === undefined) return undefined;
  if (!isObj(v.filter) || typeof v.filter.cel !== 'string') {
    c.diags.add(c.pos(['filter']), 'filter must be { cel: EXPRESSION }');
    return undefined;
  }
  unknownKeys(v.filter, ['cel'], ['filter'], c);
  try {
    return compileFilter(v.filter.cel);
  } catch (err) {
    if (!(err instanceof CelCompileError)) throw err;
    c.diags.add(
      c.pos(['filter', 'cel']),
      `filter.cel: ${err.message}`,
      'the filter sees body, header, event, branch, tag and sha, and must give a bool',
    );
    return undefined;
  }
}

const TOKEN_KEYS = { file: ['tokenFile'], resource: ['tokenSecretKey', 'tokenFile'] };

function readStatus(v: Obj, source: string, c: SpecReadContext): StatusTarget | undefined {
  if (v.status === undefined) return undefined;
  if (source === 'generic')
    c.diags.add(c.pos(['status']), 'status is for github, gitlab and gitea sources: a generic delivery names no forge');
  const tokenKeys = TOKEN_KEYS[c.form];
  const shape = `{ api: URL, ${tokenKeys.join(' | ')}: …, context: NAME }`;
  if (!isObj(v.status)) {
    c.diags.add(c.pos(['status']), `status must be ${shape}`);
    return undefined;
  }
  unknownKeys(v.status, ['api', ...tokenKeys, 'context'], ['status'], c);
  const api = text(v.status, 'api', c, ['status']);
  if (api && !/^https?:\/\/[^\s]+$/.test(api))
    c.diags.add(c.pos(['status', 'api']), `status.api ${JSON.stringify(api)} is not an http(s) URL`);
  const tokenFile = text(v.status, 'tokenFile', c, ['status']);
  const tokenSecretKey = c.form === 'resource' ? text(v.status, 'tokenSecretKey', c, ['status']) : undefined;
  if (!api) c.diags.add(c.pos(['status']), 'status needs api: the forge API base URL');
  if (c.form === 'file' && !tokenFile)
    c.diags.add(c.pos(['status']), 'status needs tokenFile: the file holding the API token');
  if (c.form === 'resource' && !tokenFile === !tokenSecretKey)
    c.diags.add(
      c.pos(['status']),
      'status needs one of tokenSecretKey (a key of the kiln-webhook-secrets Secret) or tokenFile (a file in the controller)',
    );
  return api
    ? {
        api: api.replace(/\/+$/, ''),
        tokenFile,
        ...(tokenSecretKey ? { tokenSecretKey } : {}),
        context: text(v.status, 'context', c, ['status']) ?? 'kiln',
      }
    : undefined;
}

/** A trigger from its fields (`name` given apart for resources, whose name is metadata.name). */
export function readTriggerSpec(v: Obj, name: string, c: SpecReadContext): Trigger | undefined {
  const before = c.diags.count;
  unknownKeys(v, KEYS[c.form], [], c);
  if (!TRIGGER_NAME.test(name))
    c.diags.add(
      c.pos(c.form === 'file' ? ['name'] : []),
      `trigger name ${JSON.stringify(name)} must be lower-case letters, digits and -, at most 63`,
    );
  const pipeline = text(v, 'pipeline', c);
  if (!pipeline) c.diags.add(c.pos([]), `trigger ${name} needs pipeline: the pipeline it runs`);
  const source = text(v, 'source', c) ?? 'generic';
  if (!(SOURCES as readonly string[]).includes(source))
    c.diags.add(
      c.pos(['source']),
      `source ${JSON.stringify(source)} is not one of ${SOURCES.join(', ')}`,
      suggest(source, SOURCES),
    );
  const secretFile = c.form === 'file' ? text(v, 'secretFile', c) : undefined;
  if (c.form === 'file' && !secretFile)
    c.diags.add(c.pos([]), `trigger ${name} needs secretFile: the file holding the webhook's shared secret`);
  const engine = c.form === 'file' ? text(v, 'engine', c) : undefined;
  if (engine && !ENGINES.includes(engine))
    c.diags.add(c.pos(['engine']), `engine ${JSON.stringify(engine)} is not one of ${ENGINES.join(', ')}`);
  const params = readParams(v, c);
  const trigger: Trigger = {
    name,
    pipeline: pipeline ?? '',
    source: source as Source,
    secretFile,
    events: strings(v, 'events', c),
    branches: strings(v, 'branches', c),
    filter: readFilter(v, c),
    params,
    concurrency: readConcurrency(v, params, c),
    status: readStatus(v, source, c),
    engine,
  };
  return c.diags.count === before ? trigger : undefined;
}
