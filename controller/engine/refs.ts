// Which task results a task reads: every `$(tasks.<t>.results.<r>)` in its strings. The engine
// skips the task when one of them is missing.
import type { TaskSpec } from '../spec/model.js';
import { parseReference, referencesIn, taskStrings } from '../spec/index.js';

export interface ResultRef {
  task: string;
  result: string;
}

export function resultRefsOf(task: TaskSpec): ResultRef[] {
  const seen = new Map<string, ResultRef>();
  for (const text of taskStrings(task)) {
    for (const ref of referencesIn(text)) {
      const parsed = parseReference(ref.expr);
      if (parsed.kind === 'taskResult') seen.set(`${parsed.task}\0${parsed.result}`, { task: parsed.task, result: parsed.result });
    }
  }
  return [...seen.values()];
}
