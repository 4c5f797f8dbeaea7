// A triggered run's commit status: pending when it starts, success or failure when it ends, posted
// to the forge before the record goes on, and what came of it written into the record's labels.
// A status that cannot be posted (no token, the forge down after the retries) is shown there and
// changes nothing else about the run.
import { readFileSync } from 'node:fs';
import type { RunRecord, RunReporter } from '../../contract/index.js';
import {
  postStatus,
  statusRequest,
  type CommitState,
  type DeliveryFacts,
  type RetryPolicy,
  type Trigger,
} from '../../triggers/index.js';
import { TRIGGER_LABELS } from './labels.js';

export interface ForgeStatusOptions {
  trigger: Trigger;
  facts: DeliveryFacts;
  /** The run in the web UI. */
  runUrl: string;
  retry?: RetryPolicy;
}

function stateOf(r: RunRecord): CommitState {
  if (r.status === 'Succeeded') return 'success';
  if (r.status === 'Cancelled') return 'cancelled';
  return r.status === 'Running' || r.status === 'Queued' ? 'pending' : 'failure';
}

/** Posts one status; the label's text either way. */
export async function sendCommitStatus(o: ForgeStatusOptions, r: RunRecord): Promise<string> {
  const target = o.trigger.status;
  if (!target) return '';
  const state = stateOf(r);
  if (!o.facts.sha || !o.facts.repo) return `${state}: not posted: the delivery names no commit or repository`;
  let token: string;
  try {
    token = readFileSync(target.tokenFile ?? '', 'utf8').trim();
  } catch (err) {
    return `${state}: not posted: cannot read the token file ${target.tokenFile}: ${(err as NodeJS.ErrnoException).code}`;
  }
  const description = `${r.name} ${r.status === 'Running' || r.status === 'Queued' ? 'is running' : r.status}`;
  const req = statusRequest(o.trigger.source, target, token, {
    repo: o.facts.repo,
    sha: o.facts.sha,
    state,
    url: o.runUrl,
    description,
  });
  const out = await postStatus(req, o.retry);
  return out.ok ? `${state}: posted` : `${state}: not posted after ${out.attempts} attempt(s): ${out.error}`;
}

export function forgeStatusReporter(inner: RunReporter, o: ForgeStatusOptions): RunReporter {
  if (!o.trigger.status) return inner;
  let label = '';
  let final: Promise<void> | undefined;
  const withLabel = (r: RunRecord): RunRecord =>
    label ? { ...r, labels: { ...r.labels, [TRIGGER_LABELS.commitStatus]: label } } : r;
  // The first record that says the run ended (an update may, before the finish) posts the final
  // status once; no ended record goes out before it, so readers see the outcome of the post.
  const forward = async (r: RunRecord, send: (r: RunRecord) => void | Promise<void>) => {
    if (r.status !== 'Running' && r.status !== 'Queued')
      await (final ??= sendCommitStatus(o, r).then((l) => void (label = l)));
    await send(withLabel(r));
  };
  return {
    async runStarted(r) {
      label = await sendCommitStatus(o, r);
      await inner.runStarted(withLabel(r));
    },
    runUpdated: (r) => forward(r, (x) => inner.runUpdated(x)),
    runFinished: (r) => forward(r, (x) => inner.runFinished(x)),
  };
}
