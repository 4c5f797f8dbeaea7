// The web UI's entry: takes the reader token, then routes the address fragment to a view.
// `#/runs?…` history, `#/run/ID` a run, `#/run/ID/logs?task=&step=` its logs, `#/charts/PIPELINE` charts,
// `#/pipelines` every pipeline, `#/search?q=` the logs of all runs.
import { adoptTokenFromFragment, ApiError, clearToken, getToken, setToken } from './api.js';
import { chartsView } from './charts.js';
import { h, link, showError } from './dom.js';
import { historyView } from './history.js';
import { logsView } from './logs.js';
import { runView } from './run.js';
import { pipelinesView } from './pipelines.js';
import { searchBox, searchView } from './search.js';
import { startLiveDurations } from './live.js';

const root = document.getElementById('app')!;
let current: AbortController | null = null;

function tokenForm(message?: string): void {
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    placeholder: 'reader token',
    required: true,
  });
  const form = h(
    'form',
    {
      class: 'token',
      onsubmit: (ev) => {
        ev.preventDefault();
        setToken(input.value);
        render();
      },
    },
    h('h1', {}, 'Reader token'),
    h(
      'p',
      {},
      'This collector needs its reader token (the file .kiln/reader-token, or the address "kiln collector" printed).',
    ),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    input,
    ' ',
    h('button', { type: 'submit' }, 'open'),
  );
  root.replaceChildren(form);
  input.focus();
}

/**
 * Each render gets its own container: a view still loading when the address changes writes into
 * a detached element, never over the view that replaced it.
 */
function show(view: HTMLElement, loading: Promise<void>): void {
  loading.catch((err: unknown) => {
    if (!view.isConnected) return;
    if (err instanceof ApiError && err.status === 401) {
      clearToken();
      tokenForm(`The collector refused the token: ${err.message}`);
    } else {
      view.replaceChildren();
      showError(view)(err);
    }
  });
}

function render(): void {
  current?.abort();
  current = new AbortController();
  if (!getToken()) return tokenForm();
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const params = new URLSearchParams(search);
  const [kind, id, sub] = path.split('/').map(decodeURIComponent);
  const view = h('div', {}, h('p', { class: 'dim' }, 'loading…'));
  root.replaceChildren(view);
  if (kind === 'run' && id && sub === 'logs') return show(view, logsView(view, id, params, current.signal));
  if (kind === 'run' && id) return show(view, runView(view, id, current.signal));
  if (kind === 'charts' && id) return show(view, chartsView(view, id, params));
  if (kind === 'pipelines') return show(view, pipelinesView(view));
  if (kind === 'search') return show(view, searchView(view, params));
  show(view, historyView(view, params));
}

adoptTokenFromFragment();
document.getElementById('nav')!.append(
  link('#/runs', 'runs'),
  ' ',
  link('#/pipelines', 'pipelines'),
  ' ',
  searchBox(),
  ' ',
  h(
    'button',
    {
      type: 'button',
      class: 'linkish',
      onclick: () => {
        clearToken();
        render();
      },
    },
    'forget token',
  ),
);
startLiveDurations();
window.addEventListener('hashchange', () => {
  // A token pasted into the address later is taken the same way as on load.
  if (location.hash.startsWith('#token=')) adoptTokenFromFragment();
  render();
});
render();
