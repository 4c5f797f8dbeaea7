// Commit statuses for PipelineRuns the webhook endpoint created: the same reporter as kiln serve's
// (triggers/ forgeStatusReporter), with the Trigger read when the run starts (so the token goes
// only to the forge API its Trigger names) and the token read at each post from a key of the
// webhook Secret or a file in the controller's container. What came of each post is shown on the
// run: an Event (CommitStatus, or Warning CommitStatusFailed) and the annotation
// kiln.dev/commit-status. A post that fails never changes how the run ends.
import type { RunRecord, RunReporter } from '../contract/index.js';
import { SpecError } from '../syntax/index.js';
import type { KubeClient, PipelineRunResource } from '../runtimes/kubernetes/index.js';
import {
  forgeStatusReporter,
  sendCommitStatus,
  tokenFromFile,
  TRIGGER_LABELS,
  triggerFromResource,
  type ForgeStatusOptions,
  type RetryPolicy,
  type StatusTarget,
  type Trigger,
} from '../triggers/index.js';
import type { HookKube } from './hook-kube.js';
import { WEBHOOK_SECRETS } from './hook-server.js';
import type { RunEvents } from './run-events.js';

/** Where the reconciler finds a run's Trigger and its status token. */
export interface CommitStatusSource {
  /** The Trigger, or why there is none (gone, not valid). */
  trigger(namespace: string, name: string): Promise<Trigger | string>;
  /** A key of the webhook Secret (kiln-webhook-secrets), undefined when missing. */
  secretKey(key: string): Promise<string | undefined>;
  retry?: RetryPolicy;
}

/** The controller's: Triggers and the webhook Secret through the API server. */
export function kubeCommitStatuses(kube: HookKube, secretsNamespace: string, retry?: RetryPolicy): CommitStatusSource {
  return {
    async trigger(namespace, name) {
      const resource = await kube.getTrigger(namespace, name);
      if (!resource) return `no Trigger ${name} in namespace ${namespace}`;
      try {
        return triggerFromResource(resource).trigger;
      } catch (err) {
        if (err instanceof SpecError) return `Trigger ${namespace}/${name} is not valid: ${err.message}`;
        throw err;
      }
    },
    secretKey: (key) => kube.readSecretKey(secretsNamespace, WEBHOOK_SECRETS, key),
    retry,
  };
}

export interface RunForgeStatus {
  wrap(reporter: RunReporter): RunReporter;
  /** The run could not start: a failure status, as kiln serve posts for a pipeline that does not load. */
  failedBeforeStart(record: RunRecord): Promise<void>;
}

async function token(target: StatusTarget, source: CommitStatusSource): Promise<string> {
  if (target.tokenSecretKey) {
    const value = (await source.secretKey(target.tokenSecretKey))?.trim();
    if (!value) throw new Error(`the Secret kiln-webhook-secrets has no key ${target.tokenSecretKey}`);
    return value;
  }
  return tokenFromFile(target.tokenFile);
}

/** The status reporting of one run; undefined when it was not triggered or its Trigger asks for none. */
export async function runForgeStatus(
  run: PipelineRunResource,
  o: { source: CommitStatusSource; client: KubeClient; events: RunEvents; runUrl: string; log: (l: string) => void },
): Promise<RunForgeStatus | undefined> {
  const { namespace, name } = run.metadata as { namespace: string; name: string };
  const triggerName = run.metadata.labels?.[TRIGGER_LABELS.trigger];
  const annotations = run.metadata.annotations ?? {};
  if (!triggerName || !annotations[TRIGGER_LABELS.delivery]) return undefined;
  const trigger = await o.source.trigger(namespace, triggerName);
  if (typeof trigger === 'string') {
    o.events.emit(run, 'Warning', 'CommitStatusFailed', `no commit status: ${trigger}`);
    return undefined;
  }
  if (!trigger.status) return undefined;
  const target = trigger.status;
  const options: ForgeStatusOptions = {
    trigger,
    facts: { sha: annotations[TRIGGER_LABELS.sha] ?? '', repo: annotations[TRIGGER_LABELS.repo] ?? '' },
    runUrl: o.runUrl,
    retry: o.source.retry,
    token: () => token(target, o.source),
    onOutcome: async (out) => {
      o.events.emit(
        run,
        out.posted ? 'Normal' : 'Warning',
        out.posted ? 'CommitStatus' : 'CommitStatusFailed',
        `${out.text} (${target.api}, context ${target.context})`,
      );
      await o.client
        .patchPipelineRunAnnotations(namespace, name, { [TRIGGER_LABELS.commitStatus]: out.text })
        .catch((err: Error) => o.log(`${name}: annotation ${TRIGGER_LABELS.commitStatus}: ${err.message}`));
    },
  };
  return {
    wrap: (reporter) => forgeStatusReporter(reporter, options),
    failedBeforeStart: async (record) => void (await sendCommitStatus(options, record)),
  };
}
