// Builders for engine tests: small PipelineSpecs by hand, and a run of one against the fake
// runtime in fake time.
import type { PipelineSpec, StepSpec, TaskSpec } from '../syntax/model.js';
import { FakeClock, FakeRuntime, type FakeScript } from '../runtimes/fake/index.js';
import { runPipeline } from '../engine/driver.js';
import type { EngineAction, EngineInput } from '../engine/types.js';

export function step(script: string, over: Partial<StepSpec> = {}): StepSpec {
  return { name: 'main', script, args: [], env: {}, onError: 'stopAndFail', ...over };
}

export function task(name: string, over: Partial<TaskSpec> = {}): TaskSpec {
  return {
    name,
    steps: [step('true')],
    needs: [],
    when: [],
    results: [],
    params: {},
    retries: 0,
    env: {},
    workspaces: [],
    ...over,
  };
}

export function pipeline(tasks: TaskSpec[], fin: TaskSpec[] = [], over: Partial<PipelineSpec> = {}): PipelineSpec {
  return { name: 'p', params: [], workspaces: [], tasks, finally: fin, files: [], ...over };
}

export interface FakeRunOptions {
  script?: FakeScript;
  input?: Partial<Omit<EngineInput, 'startedAt' | 'pipeline'>>;
  /** Cancel the run this many fake ms after it starts. */
  cancelAfterMs?: number;
}

export async function runFake(spec: PipelineSpec, opts: FakeRunOptions = {}) {
  const clock = new FakeClock();
  const t0 = clock.now();
  const runtime = new FakeRuntime(clock, opts.script);
  const actions: EngineAction[] = [];
  const abort = new AbortController();
  if (opts.cancelAfterMs !== undefined) clock.setTimer(t0 + opts.cancelAfterMs, () => abort.abort());
  const record = await clock.run(
    runPipeline({
      input: { runName: 'run1', pipeline: spec, params: {}, workspaces: {}, ...opts.input },
      runtime,
      clock,
      signal: abort.signal,
      onAction: (a) => actions.push(a),
    }),
  );
  /** Fake ms after the run's start at which each task run started, by task run name. */
  const startedAt = Object.fromEntries(runtime.starts.map((s) => [s.name, s.at - t0]));
  const byTask = (name: string) => record.tasks.filter((t) => t.name === name);
  const one = (name: string) => {
    const found = byTask(name);
    if (found.length !== 1) throw new Error(`expected one record for ${name}, got ${found.length}`);
    return found[0]!;
  };
  return { record, runtime, actions, startedAt, one, byTask, t0 };
}
