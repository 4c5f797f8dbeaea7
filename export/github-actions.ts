// The model → one GitHub Actions workflow (pure): a job per task (`needs`, `if:`, matrix, timeouts,
// the container image), a step per step, the cache through actions/cache, results through job
// outputs. What Actions cannot do is refused; what it does differently is done as near as it can
// and said in `notes`, which `kiln export` writes at the top of the file. See docs/export.md.
import {
  type ParamValue,
  type ParsedReference,
  type PipelineSpec,
  resultRefsOf,
  type StepSpec,
  type TaskSpec,
  type WhenExpression,
  wholeStarReference,
} from '../syntax/index.js';
import {
  approvalGate,
  clean,
  type Doc,
  ExportError,
  kilnOnly,
  pipelineCall,
  rewriteRefs,
  shellQuote,
  tektonOnly,
} from './common.js';

export interface ActionsOptions {
  params?: Record<string, ParamValue>;
  /** The container image of a task none of whose steps names one (else it runs on the runner). */
  defaultImage?: string;
}

const RESULTS_DIR = '${RUNNER_TEMP}/kiln-results';
const STATUS: Record<string, string> = { succeeded: 'success', failed: 'failure', skipped: 'skipped' };
export const jobId = (task: string) => (/^[A-Za-z_]/.test(task) ? task : `_${task}`);
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function exportToGitHubActions(
  pipeline: PipelineSpec,
  opts: ActionsOptions = {},
): { doc: Doc; notes: string[] } {
  const problems: string[] = [];
  const notes = new Set<string>();
  const main = pipeline.tasks.map((t) => t.name);
  const jobs: Doc = {};
  for (const t of pipeline.tasks) jobs[jobId(t.name)] = job(pipeline, t, false, main, opts, problems, notes);
  for (const t of pipeline.finally) jobs[jobId(t.name)] = job(pipeline, t, true, main, opts, problems, notes);
  if (problems.length) throw new ExportError('github-actions', problems);
  if (pipeline.timeoutMs !== undefined) notes.add('the pipeline timeout: a workflow has none (each job keeps its own)');
  const inputs = Object.fromEntries(
    pipeline.params.map((p) => {
      const given = opts.params?.[p.name] ?? p.default;
      const value = given === undefined ? undefined : typeof given === 'string' ? given : JSON.stringify(given);
      if (p.type !== 'string')
        notes.add(`array and object params are JSON text inputs (${p.name}), read with fromJSON`);
      return [
        p.name,
        clean({ description: p.description, required: value === undefined, type: 'string', default: value }),
      ];
    }),
  );
  const results = pipeline.results?.map((r) => {
    const value = typeof r.value === 'string' ? r.value : JSON.stringify(r.value);
    return [
      r.name,
      clean({ description: r.description, value: expression(value, `result ${r.name}`, problems, true) }),
    ];
  });
  const on: Doc = { workflow_dispatch: clean({ inputs: Object.keys(inputs).length ? inputs : undefined }) };
  if (results?.length)
    on.workflow_call = clean({
      inputs: Object.keys(inputs).length ? inputs : undefined,
      outputs: Object.fromEntries(results),
    });
  return { doc: { name: pipeline.name, on, jobs }, notes: [...notes] };
}

/** A reference as a GitHub expression (without `${{ }}`), or undefined when Actions has none. */
function refExpr(ref: ParsedReference, outputs = false): string | undefined {
  const sel = (base: string, r: { star?: boolean; index?: number; key?: string }) =>
    r.star
      ? `join(fromJSON(${base}), ' ')`
      : r.index !== undefined
        ? `fromJSON(${base})[${r.index}]`
        : r.key
          ? `fromJSON(${base}).${r.key}`
          : base;
  switch (ref.kind) {
    case 'param':
      return sel(`inputs.${ref.name}`, ref);
    case 'taskResult':
      return sel(`${outputs ? 'jobs' : 'needs'}.${jobId(ref.task)}.outputs.${ref.result}`, ref);
    case 'matrix':
      return `matrix.${ref.name}`;
    case 'taskStatus':
      return `needs.${jobId(ref.task)}.result`;
    case 'tasksStatus':
      return `(contains(needs.*.result, 'failure') && 'Failed' || 'Succeeded')`;
    case 'context':
      return (
        {
          'pipelineRun.name': "format('{0}-{1}', github.workflow, github.run_id)",
          'pipelineRun.uid': 'github.run_id',
          'taskRun.name': 'github.job',
          'taskRun.uid': 'github.job',
          'task.retry-count': 'github.run_attempt',
        } as Record<string, string>
      )[ref.path];
    default:
      return undefined;
  }
}

/** A string with references as one GitHub expression: a reference alone, else format(). */
function expression(text: string, where: string, problems: string[], outputs = false): string {
  const args: string[] = [];
  const fmt = rewriteRefs(
    text.replace(/[{}]/g, (c) => c + c),
    (ref) => {
      const e = refExpr(ref, outputs);
      if (e === undefined) return undefined;
      args.push(e);
      return `{${args.length - 1}}`;
    },
    where,
    problems,
  );
  if (args.length === 1 && fmt === '{0}') return `\${{ ${args[0]} }}`;
  return args.length ? `\${{ format(${literal(fmt)}, ${args.join(', ')}) }}` : text;
}

/** A condition's side as a bare expression. */
function condSide(text: string, where: string, problems: string[]): string {
  const e = expression(text, where, problems);
  return e.startsWith('${{ ') ? e.slice(4, -3) : literal(e);
}

function whenCondition(w: WhenExpression, where: string, problems: string[]): string {
  const input = condSide(w.input, where, problems);
  const any = w.values.map((v) => `${input} == ${condSide(v, where, problems)}`).join(' || ');
  return w.operator === 'in' ? `(${any})` : `!(${any})`;
}

function job(
  pipeline: PipelineSpec,
  task: TaskSpec,
  isFinally: boolean,
  main: string[],
  opts: ActionsOptions,
  problems: string[],
  notes: Set<string>,
): Doc {
  const where = `task "${task.name}"`;
  kilnOnly(task, where, problems, 'GitHub Actions');
  tektonOnly(task, where, problems, 'GitHub Actions');
  pipelineCall(task, where, problems, 'GitHub Actions');
  approvalGate(
    task,
    where,
    problems,
    'GitHub Actions',
    'protect an environment with required reviewers and give the next job that environment',
  );
  const producers = resultRefsOf(task).map((r) => r.task);
  const needs = [...new Set(isFinally ? main : [...task.needs, ...producers])];
  const conds: string[] = [];
  if (isFinally) conds.push('always()');
  else if (needs.length) {
    conds.push('!cancelled()');
    for (const n of needs) {
      const states = task.needs.includes(n) ? (task.needsOn?.[n] ?? ['succeeded', 'skipped']) : ['succeeded'];
      if (states.includes('failed'))
        notes.add(`a failure handled with on: [failed] (${n}) still fails the workflow run`);
      conds.push(`contains(fromJSON('${JSON.stringify(states.map((s) => STATUS[s]))}'), needs.${jobId(n)}.result)`);
    }
  }
  conds.push(...task.when.map((w) => whenCondition(w, where, problems)));
  if (task.retries > 0)
    notes.add(`retries (${task.name}): a job runs once in GitHub Actions; rerun failed jobs by hand`);
  const image = task.image ?? (task.steps.every((s) => !s.image) ? opts.defaultImage : undefined);
  const usesWorkspace = task.steps.some((s) => JSON.stringify(s).includes('$(workspaces.'));
  if (usesWorkspace)
    notes.add(
      "a workspace is the job's checkout ($GITHUB_WORKSPACE): jobs do not share files (pass them as artifacts)",
    );
  const sub = (text: string) =>
    rewriteRefs(
      text,
      (ref) => {
        if (ref.kind === 'resultPath') return `${RESULTS_DIR}/${ref.name}`;
        if (ref.kind === 'workspace' && ref.field === 'path') return '${GITHUB_WORKSPACE}';
        const e = refExpr(ref);
        return e && `\${{ ${e} }}`;
      },
      where,
      problems,
    );
  const steps: Doc[] = [];
  if (usesWorkspace) steps.push({ uses: 'actions/checkout@v4' });
  if (task.results.length) steps.push({ name: 'kiln-results-dir', run: `mkdir -p "${RESULTS_DIR}"` });
  task.steps.forEach((s, i) => steps.push(...stepDocs(task, s, i, image, sub, notes)));
  if (task.results.length)
    steps.push({
      id: 'kiln-results',
      name: 'kiln-results',
      shell: 'bash',
      run: [
        `for r in ${task.results.join(' ')}; do`,
        `  f="${RESULTS_DIR}/$r"; [ -f "$f" ] || continue`,
        '  { echo "$r<<KILN_RESULT_EOF"; cat "$f"; echo; echo KILN_RESULT_EOF; } >> "$GITHUB_OUTPUT"',
        'done',
      ].join('\n'),
    });
  return clean({
    name: task.displayName,
    needs: needs.length ? needs.map(jobId) : undefined,
    if: conds.length ? `\${{ ${conds.join(' && ')} }}` : undefined,
    'runs-on': 'ubuntu-latest',
    container: image ? { image: sub(image) } : undefined,
    'timeout-minutes': task.timeoutMs !== undefined ? Math.max(1, Math.ceil(task.timeoutMs / 60_000)) : undefined,
    strategy: matrix(task, sub),
    env: Object.keys(task.env).length
      ? Object.fromEntries(Object.entries(task.env).map(([k, v]) => [k, sub(v)]))
      : undefined,
    outputs: task.results.length
      ? Object.fromEntries(task.results.map((r) => [r, `\${{ steps.kiln-results.outputs.${r} }}`]))
      : undefined,
    steps,
  });
}

function matrix(task: TaskSpec, sub: (s: string) => string): Doc | undefined {
  if (!task.matrix && !task.matrixInclude) return undefined;
  const m: Doc = {};
  for (const [name, values] of Object.entries(task.matrix ?? {})) {
    const whole = values.length === 1 ? wholeStarReference(values[0]!) : undefined;
    m[name] = whole ? `\${{ fromJSON(${sub(`$(${whole.base})`).slice(4, -3)}) }}` : values.map(sub);
  }
  if (task.matrixInclude?.length) m.include = task.matrixInclude.map((i) => i.params);
  return { 'fail-fast': false, matrix: m };
}

function stepDocs(
  task: TaskSpec,
  step: StepSpec,
  i: number,
  jobImage: string | undefined,
  sub: (s: string) => string,
  notes: Set<string>,
): Doc[] {
  const out: Doc[] = [];
  const cacheId = `cache-${i + 1}`;
  const atWorkspace = !step.workingDir || /^\$\(workspaces\.[^)]+\.path\)$/.test(step.workingDir);
  if (step.cache) {
    const c = step.cache;
    const action =
      c.policy === 'pull'
        ? 'actions/cache/restore@v4'
        : c.policy === 'push'
          ? 'actions/cache/save@v4'
          : 'actions/cache@v4';
    const hashed = (s: string) =>
      s.replace(/\$\(hashFiles\(([^)]*)\)\)/g, (_, args: string) => `\${{ hashFiles(${args}) }}`);
    if (!atWorkspace)
      notes.add(`cache paths and hashFiles globs are relative to the workspace in GitHub Actions (${task.name})`);
    out.push({
      id: cacheId,
      uses: action,
      with: clean({
        key: sub(hashed(c.key)),
        'restore-keys': c.restoreKeys.length ? c.restoreKeys.map((k) => sub(hashed(k))).join('\n') : undefined,
        path: c.paths.map(sub).join('\n'),
      }),
    });
  }
  const env: Record<string, string> = Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, sub(v)]));
  if (step.cache && step.cache.policy !== 'push')
    env.KILN_CACHE_HIT = `\${{ steps.${cacheId}.outputs.cache-hit == 'true' }}`;
  const script =
    step.script !== undefined
      ? sub(step.script)
      : [...(step.command ?? []), ...step.args].map(sub).map(argWord).join(' ');
  const shebang = step.script?.startsWith('#!') ? step.script.slice(2).split('\n', 1)[0]!.trim() : undefined;
  if (step.image && step.image !== jobImage)
    notes.add(
      `a step's own image (${task.name}/${step.name}) runs as a docker:// action, without the job's workspace mounts`,
    );
  const common = {
    name: step.name,
    env: Object.keys(env).length ? env : undefined,
    'timeout-minutes': step.timeoutMs !== undefined ? Math.max(1, Math.ceil(step.timeoutMs / 60_000)) : undefined,
    'continue-on-error': step.onError === 'continue' ? true : undefined,
  };
  if (step.image && step.image !== jobImage) {
    out.push(
      clean({
        ...common,
        uses: `docker://${sub(step.image)}`,
        with: { entrypoint: 'sh', args: `-c ${shellQuote(script)}` },
      }),
    );
    return out;
  }
  out.push(
    clean({
      ...common,
      'working-directory': atWorkspace ? undefined : sub(step.workingDir!),
      // Kiln runs a script as `sh -c` (no -e), or by its own interpreter.
      shell: shebang ? `${shebang} {0}` : 'sh {0}',
      run: script,
    }),
  );
  return out;
}

/** An argument as a shell word, keeping `${RUNNER_TEMP}` and `${{ … }}` for the shell and the runner. */
const argWord = (s: string) =>
  /^[\w@%+=:,./-]+$/.test(s) ? s : `"${s.replace(/(["\\`])/g, '\\$1').replace(/\$(?![{])/g, '\\$')}"`;
