// Tekton StepActions: a step with `ref: {name}` becomes the StepAction's step, its own params
// substituted at load time (they are scoped to the step), the rest left for run time.
import { bindParams, TextReader, type GivenParam } from '../common.js';
import { missingHint } from '../did-you-mean.js';
import type { ParamSpec, ParamValue, StepSpec } from '../model.js';
import { parseReference, substituteStep, wholeReference, type VariableResolver } from '../references.js';
import { makeResolver } from '../scope.js';
import type { At, Source } from '../yaml-source.js';
import * as F from './fields.js';
import { readParamDecls, readStepFields } from './readers.js';
import { declarationScope, type RefScope } from '../sites.js';

export type StepActions = Map<string, { src: Source; spec: At }>;

const NOT_WITH_REF = ['image', 'command', 'args', 'script', 'env'] as const;

/** `params: [{name, value}]` as given values, read in `reader`'s scope. */
export function readGivenParams(reader: TextReader, at: At | undefined, what: string): Map<string, GivenParam> {
  const given = new Map<string, GivenParam>();
  for (const item of reader.src.list(at, what) ?? []) {
    const f = reader.src.fields(item, `an item of ${what}`, F.NAME_VALUE_KEYS);
    const name = f && reader.src.string(f.get('name'), `${what}[].name`);
    if (!f) continue;
    if (name === undefined) reader.src.error(item.pos, `an item of ${what} has no name`);
    else if (given.has(name)) reader.src.error(item.pos, `${what}: "${name}" is given twice`);
    else if (!f.has('value')) reader.src.error(item.pos, `${what}: "${name}" has no value`);
    else {
      const value = reader.value(f.get('value')!, `${what}.${name}`);
      if (value !== undefined) given.set(name, { value, pos: item.pos });
    }
  }
  return given;
}

export function inlineStepAction(
  reader: TextReader,
  step: StepSpec,
  f: Map<string, At>,
  what: string,
  actions: StepActions,
): StepSpec | undefined {
  const src = reader.src;
  for (const key of NOT_WITH_REF) {
    if (f.has(key))
      src.error(
        f.get(key)!.pos,
        `${what}: ${key} cannot be set on a step that uses a StepAction (ref:)`,
        'set it in the StepAction, or pass it as a param',
      );
  }
  const refFields = src.fields(f.get('ref')!, `${what}.ref`, ['name'], F.REF_REFUSED);
  const name = refFields && src.string(refFields.get('name'), `${what}.ref.name`);
  if (name === undefined) {
    if (refFields) src.error(f.get('ref')!.pos, `${what}.ref needs the StepAction's name`);
    return undefined;
  }
  const action = actions.get(name);
  if (!action) {
    src.error(
      f.get('ref')!.pos,
      `${what}.ref: there is no StepAction "${name}"`,
      missingHint(name, [...actions.keys()]),
    );
    return undefined;
  }
  const af = action.src.fields(action.spec, `StepAction ${name}`, F.STEP_ACTION_KEYS, F.STEP_REFUSED);
  if (!af) return undefined;
  const declare = new TextReader(action.src, reader.sites, declarationScope());
  const params = readParamDecls(declare, af.get('params'), `StepAction ${name}.params`);
  const actionReader = new TextReader(action.src, reader.sites, {
    ...reader.scope,
    params: new Map(params.map((p) => [p.name, p.type])),
  });
  const actionStep = readStepFields(actionReader, af, action.spec, `StepAction ${name}`);
  const given = readGivenParams(reader, f.get('params'), `${what}.params`);
  const bound = bindParams(src, { name: `StepAction ${name}`, params }, given, {
    pos: f.get('ref')!.pos,
    key: 'params',
    matrix: [],
  });
  const resolved = substituteStep(
    actionStep,
    forwardedParams(bound, params, reader.scope, makeResolver({ params: bound })),
  );
  return {
    ...resolved,
    name: step.name,
    onError: step.onError,
    ...(step.onErrorParam !== undefined && { onErrorParam: step.onErrorParam }),
    pos: step.pos,
    ...(step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : {}),
    ...(step.when && { when: step.when }),
    ...(step.whenCel && { whenCel: step.whenCel }),
  };
}

/**
 * A StepAction param given a whole reference stands for what it names where the StepAction reads
 * it, as Tekton's applyStepActionParameters substitutes the task's params (and step results) into
 * the step's params before the step's params into the StepAction:
 * - `$(steps.s.results.r)` or `…[*]`: `$(params.p<sel>)` becomes `$(steps.s.results.r<sel>)`, which
 *   the step's agent reads when the step starts;
 * - `$(params.x)` or `$(params.x[*])` of the task's array or object param x: `$(params.p<sel>)`
 *   becomes `$(params.x<sel>)`, read when the task run starts; a key that x does not declare keeps
 *   p's default (Tekton lays the object given over the defaults, key by key);
 * - `$(params.x[*])` of a string param x stays as written in Tekton (validate.ts warns): p holds
 *   that text, and a key or an element of p is p's default's.
 * Every other reference goes to `resolve`.
 */
function forwardedParams(
  bound: Record<string, ParamValue>,
  specs: readonly ParamSpec[],
  scope: RefScope,
  resolve: VariableResolver,
): VariableResolver {
  const targets = new Map<string, { base: string; keys?: readonly string[] }>();
  for (const [name, value] of Object.entries(bound)) {
    const r = typeof value === 'string' ? wholeReference(value) : undefined;
    if (!r) continue;
    if (r.kind === 'stepResult' && r.index === undefined && r.key === undefined)
      targets.set(name, { base: `steps.${r.step}.results.${r.result}` });
    const type = r.kind === 'param' ? scope.params.get(r.name) : undefined;
    if (r.kind === 'param' && r.index === undefined && r.key === undefined && type && type !== 'string') {
      const keys = scope.paramKeys?.get(r.name);
      targets.set(name, { base: `params.${r.name}`, ...(keys && { keys }) });
    }
  }
  const defaults = makeResolver({
    params: Object.fromEntries(specs.flatMap((p) => (p.default === undefined ? [] : [[p.name, p.default]]))),
  });
  return (expr) => {
    const r = parseReference(expr);
    if (r.kind !== 'param') return resolve(expr);
    const target = targets.get(r.name);
    const selected = r.index !== undefined || r.key !== undefined;
    if (!target || (r.key !== undefined && target.keys && !target.keys.includes(r.key)))
      return resolve(expr) ?? (selected ? defaults(expr) : undefined);
    const selector = r.star ? '[*]' : r.index !== undefined ? `[${r.index}]` : r.key !== undefined ? `.${r.key}` : '';
    return `$(${target.base}${selector})`;
  };
}
