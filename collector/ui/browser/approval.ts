// A run's approval gates on its page: each waiting gate with its message, approvers and deadline,
// a comment box and Approve / Reject buttons (POST /v1/runs/{run}/approvals/{task} with the
// token the page holds, which must be a named one); each decided gate with who, when and why.
// Gates of pipelines the run called are listed too, named by their path (`deploy/gate`).
import { APPROVAL_PATH_SEPARATOR, type RunRecord, type TaskRunRecord } from '../../../contract/index.js';
import { postJson } from './api.js';
import { formatTime, h } from './dom.js';

/** A gate, its path from the run, and whether every run down to it is still going. */
interface Gate {
  t: TaskRunRecord;
  path: string;
  running: boolean;
}

function gatesOf(run: RunRecord, prefix = '', running = run.status === 'Running'): Gate[] {
  return run.tasks.flatMap((t) => [
    ...(t.approval ? [{ t, path: prefix + t.name, running }] : []),
    ...(t.child
      ? gatesOf(t.child, prefix + t.name + APPROVAL_PATH_SEPARATOR, running && t.child.status === 'Running')
      : []),
  ]);
}

function decided({ t, path }: Gate): HTMLElement {
  const a = t.approval!;
  return h(
    'div',
    { class: `approval decided ${a.decision}`, 'data-approval': path },
    h('strong', {}, path),
    `: ${a.decision} by ${a.by} at ${formatTime(a.at)}`,
    a.comment ? h('blockquote', {}, a.comment) : null,
  );
}

function waiting(run: RunRecord, { t, path, running }: Gate, onDecided: () => void): HTMLElement {
  const a = t.approval!;
  const comment = h('textarea', { name: 'comment', rows: 2, placeholder: 'comment (a rejection needs one)' });
  const status = h('p', { class: 'outcome', role: 'status' });
  const decide = (decision: 'approve' | 'reject') => async () => {
    status.className = 'outcome';
    status.textContent = `${decision === 'approve' ? 'approving' : 'rejecting'}…`;
    try {
      const body = { decision, ...(comment.value.trim() ? { comment: comment.value } : {}) };
      await postJson(`/v1/runs/${encodeURIComponent(run.id)}/approvals/${encodeURIComponent(path)}`, body);
      onDecided();
    } catch (err) {
      status.className = 'outcome error';
      status.textContent = (err as Error).message;
    }
  };
  const open = t.status === 'Running' && running;
  return h(
    'div',
    { class: 'approval waiting', 'data-approval': path },
    h('strong', {}, path),
    open ? ': waiting for a decision' : t.status === 'Pending' ? ': not reached yet' : `: ${t.status}, undecided`,
    h('p', { class: 'message' }, a.message),
    h(
      'p',
      { class: 'dim' },
      `approvers: ${a.approvers.length ? a.approvers.join(', ') : 'anyone with a named token'}`,
      a.deadline ? ` · until ${formatTime(a.deadline)}, then ${a.onTimeout === 'approve' ? 'approved' : 'failed'}` : '',
    ),
    open ? comment : null,
    open
      ? h(
          'p',
          {},
          h('button', { type: 'button', class: 'approve', onclick: decide('approve') }, 'Approve'),
          ' ',
          h('button', { type: 'button', class: 'reject', onclick: decide('reject') }, 'Reject'),
        )
      : null,
    status,
  );
}

/**
 * The run's gates, or null when it has none. The page is redrawn every few seconds while the run
 * goes on: `previous` is kept while no gate changed, so a comment being typed is not lost.
 */
export function approvalsPanel(run: RunRecord, onDecided: () => void, previous?: Element | null): Element | null {
  const gates = gatesOf(run);
  if (!gates.length) return null;
  const sig = JSON.stringify([run.status, gates.map((g) => [g.path, g.running, g.t.status, g.t.approval!.decision])]);
  if (previous?.getAttribute('data-sig') === sig) return previous;
  return h(
    'section',
    { class: 'approvals', 'data-sig': sig },
    h('h2', {}, 'Approvals'),
    ...gates.map((g) => (g.t.approval!.decision ? decided(g) : waiting(run, g, onDecided))),
  );
}
