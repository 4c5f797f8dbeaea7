// The TaskRunPlan the controller would hand the runtime for one task, found by driving the shared
// engine (no second planner): upstream tasks are reported succeeded, their results standing in as
// the references themselves, so the rendered Pod shows where each value would come from.
import { Engine } from './engine.js';
import type { EngineAction, EngineInput } from './types.js';
import { UsageError } from '../contract/index.js';
import { suggest } from '../syntax/index.js';
import type { TaskRunPlan } from './runtime.js';

const MAX_ROUNDS = 10_000;

export function planForTask(input: Omit<EngineInput, 'startedAt'>, task: string): TaskRunPlan {
  const names = [...input.pipeline.tasks, ...input.pipeline.finally].map((t) => t.name);
  if (!names.includes(task))
    throw new UsageError(`pipeline "${input.pipeline.name}" has no task "${task}"`, suggest(task, names));
  const engine = new Engine({ ...input, startedAt: 0 });
  let actions: EngineAction[] = engine.handle({ type: 'tick' }, 0);
  for (let round = 0; round < MAX_ROUNDS && actions.length; round++) {
    for (const a of actions) {
      if (a.type === 'start' && a.plan.task === task) return a.plan;
      if (a.type === 'skip' && a.task === task) {
        throw new UsageError(
          `task "${task}" would be skipped (${a.reason}) with these params`,
          'change --param values so that its `when` holds',
        );
      }
    }
    const started = actions.filter((a): a is Extract<EngineAction, { type: 'start' }> => a.type === 'start');
    actions = started.flatMap((a) =>
      engine.handle(
        {
          type: 'observed',
          update: {
            name: a.plan.name,
            status: 'Succeeded',
            results: Object.fromEntries(a.plan.results.map((r) => [r, `$(tasks.${a.plan.task}.results.${r})`])),
            steps: [],
          },
        },
        0,
      ),
    );
  }
  throw new UsageError(`task "${task}" never becomes ready`, 'check its needs and result references');
}
