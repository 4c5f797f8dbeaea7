// A triggered run's commit status: pending when it starts, success or failure when it ends, posted
// to the forge before the record goes on, and what came of it written into the record's labels.
// kiln serve and the controller both wrap their run reporter with it; each says where the token
// comes from (a file, a Secret's key) and may be told each outcome (the controller shows it on the
// PipelineRun). A status that cannot be posted (no token, the forge down after the retries) is shown
// there and changes nothing else about the run.
import { readFile } from 'node:fs/promises';
import type { RunRecord, RunReporter } from '../contract/index.js';
import { postStatus, statusRequest, type CommitState, type RetryPolicy } from './commit-status.js';
import { TRIGGER_LABELS } from './labels.js';
import type { Trigger } from './model.js';
import type { DeliveryFacts } from './sources.js';

/** What came of one status: `text` is the label's value (`success: posted`, or why not). */
export interface StatusOutcome {
  state: CommitState;
  posted: boolean;
  text: string;
}

export interface ForgeStatusOptions {
  trigger: Trigger;
  facts: Pick<DeliveryFacts, 'sha' | 'repo'>;
  /** The run in the web UI. */
  runUrl: string;
  retry?: RetryPolicy;
  /** The API token, read at each post; default: the trigger's status.tokenFile. A throw's message says why none. */
  token?: () => Promise<string>;
  /** Told each outcome, posted or not. */
  onOutcome?: (o: StatusOutcome) => void | Promise<void>;
}

function stateOf(r: RunRecord): CommitState {
  if (r.status === 'Succeeded') return 'success';
  if (r.status === 'Cancelled') return 'cancelled';
  return r.status === 'Running' || r.status === 'Queued' ? 'pending' : 'failure';
}

/** A token file's content; a throw says why it cannot be read. */
export async function tokenFromFile(file: string | undefined): Promise<string> {
  try {
    return (await readFile(file ?? '', 'utf8')).trim();
  } catch (err) {
    throw new Error(`cannot read the token file ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
}

async function post(o: ForgeStatusOptions, r: RunRecord, state: CommitState): Promise<StatusOutcome> {
  const target = o.trigger.status!;
  const no = (why: string): StatusOutcome => ({ state, posted: false, text: `${state}: not posted: ${why}` });
  if (!o.facts.sha || !o.facts.repo) return no('the delivery names no commit or repository');
  let token: string;
  try {
    token = await (o.token ?? (() => tokenFromFile(target.tokenFile)))();
  } catch (err) {
    return no((err as Error).message);
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
  return out.ok
    ? { state, posted: true, text: `${state}: posted` }
    : { state, posted: false, text: `${state}: not posted after ${out.attempts} attempt(s): ${out.error}` };
}

/** Posts one status; the label's text either way ('' when the trigger asks for none). */
export async function sendCommitStatus(o: ForgeStatusOptions, r: RunRecord): Promise<string> {
  if (!o.trigger.status) return '';
  const out = await post(o, r, stateOf(r));
  await o.onOutcome?.(out);
  return out.text;
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
