// One delivery from request to answer: decide, then record it — accepted deliveries through the
// sink's atomic accept (which refuses an id already accepted: a redelivery starts nothing twice),
// the others as a note. kiln serve's sink is its SQLite queue, the controller's creates a PipelineRun.
import { createHash } from 'node:crypto';
import { decide, type Decision, type DeliveryRequest } from './match.js';
import type { Trigger } from './model.js';
import type { DeliveryFacts } from './sources.js';

export type DeliveryOutcome = 'accepted' | 'filtered' | 'refused';

/** One delivery as recorded and listed by `kiln triggers deliveries`. */
export interface DeliveryRecord {
  trigger: string;
  deliveryId: string;
  receivedAt: string;
  outcome: DeliveryOutcome;
  reason?: string;
  event?: string;
  branch?: string;
  sha?: string;
  runId?: string;
}

export interface AcceptedDelivery {
  trigger: Trigger;
  record: DeliveryRecord & { runId: string };
  params: Record<string, string | string[] | Record<string, string>>;
  facts: DeliveryFacts;
  group?: string;
}

export interface DeliverySink {
  /** Stores the delivery and its run at once; the earlier run's id when this trigger already accepted the id. */
  accept(d: AcceptedDelivery): Promise<{ duplicateOf?: string }>;
  note(record: DeliveryRecord): Promise<void>;
}

/** The run a delivery starts: named from the trigger and the delivery id, so a redelivery names the same run. */
export function triggeredRunId(trigger: string, deliveryId: string): string {
  return `${trigger.slice(0, 52)}-${createHash('sha256').update(deliveryId).digest('hex').slice(0, 10)}`;
}

export interface ReceiveAnswer {
  httpStatus: number;
  body: { outcome: DeliveryOutcome; delivery: string; run?: string; reason?: string; duplicate?: boolean };
  decision: Decision;
}

export async function receiveDelivery(
  trigger: Trigger,
  secret: string,
  req: DeliveryRequest,
  sink: DeliverySink,
  now: () => Date = () => new Date(),
): Promise<ReceiveAnswer> {
  const decision = decide(trigger, secret, req);
  const base = {
    trigger: trigger.name,
    deliveryId: decision.deliveryId,
    receivedAt: now().toISOString(),
    ...(decision.facts ? { event: decision.facts.event, branch: decision.facts.branch, sha: decision.facts.sha } : {}),
  };
  if (decision.outcome !== 'accepted') {
    await sink.note({ ...base, outcome: decision.outcome, reason: decision.reason });
    const httpStatus = decision.outcome === 'refused' ? decision.httpStatus : 200;
    return {
      httpStatus,
      decision,
      body: { outcome: decision.outcome, delivery: decision.deliveryId, reason: decision.reason },
    };
  }
  const runId = triggeredRunId(trigger.name, decision.deliveryId);
  const { duplicateOf } = await sink.accept({
    trigger,
    record: { ...base, outcome: 'accepted', runId },
    params: decision.params,
    facts: decision.facts,
    group: decision.group,
  });
  if (duplicateOf !== undefined) {
    const reason = `delivery ${decision.deliveryId} was already accepted (run ${duplicateOf})`;
    await sink.note({ ...base, outcome: 'filtered', reason, runId: duplicateOf });
    return {
      httpStatus: 200,
      decision,
      body: { outcome: 'filtered', delivery: decision.deliveryId, run: duplicateOf, reason, duplicate: true },
    };
  }
  return { httpStatus: 202, decision, body: { outcome: 'accepted', delivery: decision.deliveryId, run: runId } };
}
