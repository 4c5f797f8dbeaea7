// Approval gates in both syntaxes: Kiln's `approval:` on a task, and Tekton's custom task reference
// `taskRef: {apiVersion: kiln.dev/v1alpha1, kind: Approval}` with its params. Either way the task
// has no steps; the engine waits for a decision made through the collector.
import { APPROVAL_ON_TIMEOUT, APPROVAL_REF, type ApprovalSpec } from '../contract/index.js';
import { isMap } from 'yaml';
import type { TextReader } from './common.js';
import type { ParamValue } from './model.js';
import type { At } from './yaml-source.js';

const APPROVAL_KEYS = ['message', 'approvers', 'timeout', 'onTimeout'] as const;
/** Task keys that mean running something, which an approval does not. */
const NOT_WITH_APPROVAL = [
  'steps',
  'sidecars',
  'uses',
  'with',
  'cache',
  'matrix',
  'retries',
  'image',
  'results',
  'timeout',
];

const defaultMessage = (task: string) => `approve ${task}?`;

/** `approval: {message, approvers, timeout, onTimeout}` of a Kiln task. */
export function readKilnApproval(
  reader: TextReader,
  task: string,
  fields: Map<string, At>,
  what: string,
): ApprovalSpec | undefined {
  const { src } = reader;
  for (const key of NOT_WITH_APPROVAL) {
    const at = fields.get(key);
    if (at)
      src.error(
        at.pos,
        `${what}: ${key} cannot be given with approval:`,
        key === 'timeout'
          ? 'give the wait its timeout inside approval: { timeout: 2h }'
          : 'an approval runs nothing; put the work in a task that needs this one',
      );
  }
  const f = src.fields(fields.get('approval')!, `${what}.approval`, APPROVAL_KEYS);
  if (!f) return undefined;
  const spec: ApprovalSpec = {
    message: reader.text(f.get('message'), `${what}.approval.message`) ?? defaultMessage(task),
    approvers: reader.list(f.get('approvers'), `${what}.approval.approvers`),
    onTimeout: src.choice(f.get('onTimeout'), `${what}.approval.onTimeout`, APPROVAL_ON_TIMEOUT) ?? 'fail',
  };
  const timeoutMs = src.duration(f.get('timeout'), `${what}.approval.timeout`);
  if (timeoutMs !== undefined) spec.timeoutMs = timeoutMs;
  return spec;
}

/** The fields of a Tekton taskRef naming a custom task (apiVersion and kind, no name), else undefined. */
export function customTaskRef(reader: TextReader, refAt: At | undefined): Map<string, At> | undefined {
  if (!refAt || !isMap(refAt.node)) return undefined;
  const keys = refAt.node.items.map((p) => String((p.key as { value?: unknown } | null)?.value));
  if (keys.includes('name') || !keys.includes('kind')) return undefined;
  return reader.src.fields(refAt, 'taskRef', ['apiVersion', 'kind']);
}

/**
 * A Tekton custom task reference read as an approval, or an error when it names another custom
 * task. Params: message, approvers (array), onTimeout; the pipeline task's `timeout` bounds the wait.
 */
export function readTektonApproval(
  reader: TextReader,
  task: string,
  ref: Map<string, At>,
  given: ReadonlyMap<string, { value: ParamValue }>,
  what: string,
): ApprovalSpec | undefined {
  const { src } = reader;
  const apiVersion = src.string(ref.get('apiVersion'), `${what}.taskRef.apiVersion`);
  const kind = src.string(ref.get('kind'), `${what}.taskRef.kind`);
  if (apiVersion !== APPROVAL_REF.apiVersion || kind !== APPROVAL_REF.kind) {
    src.error(
      (ref.get('kind') ?? ref.get('apiVersion'))!.pos,
      `${what}.taskRef: custom task ${apiVersion ?? '?'}/${kind ?? '?'} is not supported`,
      `the one custom task Kiln runs is { apiVersion: ${APPROVAL_REF.apiVersion}, kind: ${APPROVAL_REF.kind} }`,
    );
    return undefined;
  }
  const known = ['message', 'approvers', 'onTimeout'];
  const params = Object.fromEntries([...given].map(([k, g]) => [k, g.value]));
  for (const name of Object.keys(params)) {
    if (!known.includes(name))
      src.error(ref.get('kind')!.pos, `${what}: an Approval has no param "${name}"`, `its params: ${known.join(', ')}`);
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const onTimeout = text(params.onTimeout) ?? 'fail';
  if (!(APPROVAL_ON_TIMEOUT as readonly string[]).includes(onTimeout))
    src.error(
      ref.get('kind')!.pos,
      `${what}: param onTimeout "${onTimeout}" is not one of ${APPROVAL_ON_TIMEOUT.join(', ')}`,
    );
  const approvers = params.approvers;
  if (approvers !== undefined && typeof approvers === 'object' && !Array.isArray(approvers))
    src.error(ref.get('kind')!.pos, `${what}: param approvers must be an array of names or groups, not an object`);
  if (params.message !== undefined && typeof params.message !== 'string')
    src.error(ref.get('kind')!.pos, `${what}: param message must be a string`);
  return {
    message: text(params.message) ?? defaultMessage(task),
    approvers: Array.isArray(approvers) ? approvers : typeof approvers === 'string' ? [approvers] : [],
    onTimeout: onTimeout === 'approve' ? 'approve' : 'fail',
  };
}
