// Kiln's `needs:`: a task name, or `{task, on: [succeeded, failed, skipped]}` — this task runs
// only when that predecessor ended in one of those states (docs/orchestration.md#branches).
import { isMap } from 'yaml';
import { NEED_STATES, type NeedState } from './model.js';
import type { Sites } from './sites.js';
import type { At, Source } from './yaml-source.js';

export interface ReadNeeds {
  needs: string[];
  needsOn?: Record<string, NeedState[]>;
}

export function readNeeds(src: Source, sites: Sites, at: At | undefined, what: string, task: string): ReadNeeds {
  const out: ReadNeeds = { needs: [] };
  for (const item of src.list(at, what) ?? []) {
    const itemWhat = `an item of ${what}`;
    const f = isMap(item.node) ? src.fields(item, itemWhat, ['task', 'on']) : undefined;
    if (isMap(item.node) && !f) continue;
    const target = src.string(f ? f.get('task') : item, f ? `${itemWhat}.task` : itemWhat);
    if (f && !f.has('task')) src.error(item.pos, `${itemWhat} has no task`, 'write {task: NAME, on: [succeeded]}');
    if (target === undefined) continue;
    sites.needs.push({ task, target, pos: item.pos, key: 'needs' });
    if (!out.needs.includes(target)) out.needs.push(target);
    if (!f?.has('on')) continue;
    const states: NeedState[] = [];
    for (const s of src.list(f.get('on'), `${itemWhat}.on`) ?? []) {
      const state = src.choice(s, `an item of ${itemWhat}.on`, NEED_STATES);
      if (state && !states.includes(state)) states.push(state);
    }
    if (states.length === 0)
      src.error(f.get('on')!.pos, `${itemWhat}.on lists no state`, `list some of ${NEED_STATES.join(', ')}`);
    else (out.needsOn ??= {})[target] = states;
  }
  return out;
}
