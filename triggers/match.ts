// The decision for one delivery to one trigger, with no I/O: refused (the sender is not who the
// secret says, or the body is not JSON), filtered (event, branch or filter; a param the payload
// lacks), or accepted with the run's params and concurrency group. kiln serve and the controller
// both decide with this; what they do with the decision (store, queue, PipelineRun) is theirs.
import { createHash } from 'node:crypto';
import type { Trigger } from './model.js';
import { checkSignature, deliveryFacts, header, SOURCE_RULES, type DeliveryFacts, type Headers } from './sources.js';
import { matchesAny } from './glob.js';
import { resolveTemplate, TemplateMissing, type TemplateData } from './template.js';

export interface DeliveryRequest {
  headers: Headers;
  raw: Buffer;
}

export type Decision =
  | { outcome: 'refused'; httpStatus: 400 | 401; reason: string; deliveryId: string; facts?: undefined }
  | { outcome: 'filtered'; reason: string; deliveryId: string; facts: DeliveryFacts }
  | {
      outcome: 'accepted';
      deliveryId: string;
      facts: DeliveryFacts;
      params: Record<string, string | string[] | Record<string, string>>;
      group?: string;
    };

const MAX_DELIVERY_ID = 200;

/** The sender's delivery id, else the body's digest: the same body twice is the same delivery. */
export function deliveryId(trigger: Trigger, req: DeliveryRequest): string {
  const given = header(req.headers, SOURCE_RULES[trigger.source].deliveryHeader);
  if (given && given.length <= MAX_DELIVERY_ID && !/[\u0000-\u001f]/.test(given)) return given;
  return 'sha256:' + createHash('sha256').update(req.raw).digest('hex');
}

function lowerHeaders(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function parseBody(raw: Buffer): { body: unknown } | { error: string } {
  try {
    return { body: JSON.parse(raw.toString('utf8')) as unknown };
  } catch (err) {
    return { error: `the body is not JSON (${(err as Error).message}); send the webhook as application/json` };
  }
}

/** Why the delivery's event, branch or filter keep it from starting a run; null when they do not. */
function filteredOut(
  trigger: Trigger,
  facts: DeliveryFacts,
  body: unknown,
  header: Record<string, string>,
): string | null {
  if (trigger.events.length && !trigger.events.includes(facts.event))
    return `event ${JSON.stringify(facts.event)} is not one of ${trigger.events.join(', ')}`;
  if (trigger.branches.length && facts.event !== 'tag' && !matchesAny(facts.branch, trigger.branches))
    return `branch ${JSON.stringify(facts.branch)} matches none of ${trigger.branches.join(', ')}`;
  if (trigger.filter) {
    const passed = trigger.filter.test({ body, header, ...facts });
    if (passed !== true) return passed;
  }
  return null;
}

export function decide(trigger: Trigger, secret: string, req: DeliveryRequest): Decision {
  const id = deliveryId(trigger, req);
  const bad = checkSignature(trigger.source, req.headers, req.raw, secret);
  if (bad) return { outcome: 'refused', httpStatus: 401, reason: bad, deliveryId: id };
  const parsed = parseBody(req.raw);
  if ('error' in parsed) return { outcome: 'refused', httpStatus: 400, reason: parsed.error, deliveryId: id };
  const { body } = parsed;
  const headers = lowerHeaders(req.headers);
  const facts = deliveryFacts(trigger.source, req.headers, body);
  const why = filteredOut(trigger, facts, body, headers);
  if (why) return { outcome: 'filtered', reason: why, deliveryId: id, facts };
  const data: TemplateData = { body, header: headers, params: {}, delivery: { id, ...facts } };
  try {
    const params: Record<string, string | string[] | Record<string, string>> = {};
    for (const [name, t] of Object.entries(trigger.params)) params[name] = resolveTemplate(t, data);
    data.params = params;
    const group = trigger.concurrency ? String(resolveTemplate(trigger.concurrency.group, data)) : undefined;
    return { outcome: 'accepted', deliveryId: id, facts, params, ...(group !== undefined ? { group } : {}) };
  } catch (err) {
    if (err instanceof TemplateMissing) return { outcome: 'filtered', reason: err.message, deliveryId: id, facts };
    throw err;
  }
}
