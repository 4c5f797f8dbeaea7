// A Trigger resource (kiln.dev/v1alpha1) into the same Trigger the triggers file gives, plus the
// key of its webhook secret. The resource names a Pipeline in its namespace. The secrets are all in
// one Secret of the controller's namespace, the only Secret the controller may read (a Role with
// its resourceName): it reads no user's Secret.
import { Diagnostics, SpecError } from '../syntax/index.js';
import type { Trigger } from './model.js';
import { readTriggerSpec } from './read-spec.js';

export interface TriggerResource {
  metadata: { name?: string; namespace?: string };
  spec?: unknown;
}

export interface ResourceTrigger {
  trigger: Trigger;
  /** The key of the controller's webhook Secret (kiln-webhook-secrets) holding this trigger's secret. */
  secretKey: string;
}

const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

export function triggerFromResource(r: TriggerResource): ResourceTrigger {
  const name = r.metadata.name ?? '';
  const at = { file: `Trigger ${r.metadata.namespace ?? ''}/${name}`, line: 1, col: 1 };
  const diags = new Diagnostics();
  const spec =
    r.spec && typeof r.spec === 'object' && !Array.isArray(r.spec) ? (r.spec as Record<string, unknown>) : {};
  const trigger = readTriggerSpec(spec, name, { diags, pos: () => at, form: 'resource' });
  const key = spec.secretKey;
  if (typeof key !== 'string' || !SECRET_KEY.test(key))
    diags.add(at, 'spec.secretKey must name the key of the kiln-webhook-secrets Secret holding the webhook secret');
  diags.throwIfAny();
  if (!trigger) throw new SpecError(diags.list);
  return { trigger, secretKey: key as string };
}
