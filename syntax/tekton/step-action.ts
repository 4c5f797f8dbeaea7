// Tekton StepActions: a step with `ref: {name}` becomes the StepAction's step, its own params
// substituted at load time (they are scoped to the step), the rest left for run time.
import { bindParams, TextReader, type GivenParam } from '../common.js';
import { missingHint } from '../did-you-mean.js';
import type { ParamValue, StepSpec } from '../model.js';
import { parseReference, referencesIn, substituteStep, type VariableResolver } from '../references.js';
import { makeResolver } from '../scope.js';
import type { At, Source } from '../yaml-source.js';
import * as F from './fields.js';
import { readParamDecls, readStepFields } from './readers.js';
import { declarationScope } from '../sites.js';

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
  const resolved = substituteStep(actionStep, stepResultParams(bound, makeResolver({ params: bound })));
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
 * A StepAction param given an earlier step's result (`$(steps.s.results.r)`, `…[*]`) stands for
 * that result where the StepAction reads it, as Tekton rewrites it: `$(params.p)`, `$(params.p[*])`,
 * `$(params.p[0])` and `$(params.p.key)` become the step result with the same selector, which the
 * step's agent reads when the step starts. Every other reference goes to `resolve`.
 */
function stepResultParams(bound: Record<string, ParamValue>, resolve: VariableResolver): VariableResolver {
  const results = new Map<string, string>();
  for (const [name, value] of Object.entries(bound)) {
    if (typeof value !== 'string') continue;
    const refs = referencesIn(value);
    const ref = refs.length === 1 && refs[0]!.start === 0 && refs[0]!.end === value.length ? refs[0]! : undefined;
    const r = ref && parseReference(ref.expr);
    if (r?.kind === 'stepResult' && r.index === undefined && r.key === undefined)
      results.set(name, `steps.${r.step}.results.${r.result}`);
  }
  if (results.size === 0) return resolve;
  return (expr) => {
    const r = parseReference(expr);
    const result = r.kind === 'param' ? results.get(r.name) : undefined;
    if (r.kind !== 'param' || result === undefined) return resolve(expr);
    const selector = r.star ? '[*]' : r.index !== undefined ? `[${r.index}]` : r.key !== undefined ? `.${r.key}` : '';
    return `$(${result}${selector})`;
  };
}
