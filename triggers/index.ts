// Triggers: what starts a run when a forge delivers a webhook. The `triggers:` file and the Trigger
// resource read into one model, each forge's signature and payload, the pure decision for a
// delivery, the shared receive flow, and commit statuses. kiln serve (cli/) and the controller
// both use it; neither decides anything about a delivery itself.
export { SOURCES, type Source, type StatusTarget, type Trigger } from './model.js';
export { findTrigger, loadTriggersFile, parseTriggersText } from './load.js';
export { triggerFromResource, type ResourceTrigger, type TriggerResource } from './resource.js';
export { readTriggerSpec, TRIGGER_NAME, type PosOf, type SpecReadContext } from './read-spec.js';
export { decide, deliveryId, type Decision, type DeliveryRequest } from './match.js';
export {
  checkSignature,
  deliveryFacts,
  signDelivery,
  SOURCE_RULES,
  type DeliveryFacts,
  type Headers,
} from './sources.js';
export {
  receiveDelivery,
  triggeredRunId,
  type AcceptedDelivery,
  type DeliveryOutcome,
  type DeliveryRecord,
  type DeliverySink,
  type ReceiveAnswer,
} from './receive.js';
export {
  DEFAULT_RETRY,
  postStatus,
  statusRequest,
  type CommitState,
  type PostOutcome,
  type RetryPolicy,
  type StatusRequest,
} from './commit-status.js';
export { TRIGGER_LABELS } from './labels.js';
export {
  forgeStatusReporter,
  sendCommitStatus,
  tokenFromFile,
  type ForgeStatusOptions,
  type StatusOutcome,
} from './forge-reporter.js';
