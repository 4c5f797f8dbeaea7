// `loop: {until: {cel: …}, max, delay}`: the task runs again until its condition holds over the
// results of the iteration just ended (docs/orchestration.md#loops).
import { readCel } from './cel-when.js';
import type { TextReader } from './common.js';
import type { LoopSpec } from './model.js';
import type { At } from './yaml-source.js';

export const MAX_LOOP_ITERATIONS = 1000;

export function readLoop(reader: TextReader, at: At, what: string): LoopSpec | undefined {
  const { src } = reader;
  const f = src.fields(at, what, ['until', 'max', 'delay']);
  if (!f) return undefined;
  const max = src.integer(f.get('max'), `${what}.max`, 1, MAX_LOOP_ITERATIONS);
  if (!f.has('max')) src.error(at.pos, `${what} has no max`, 'add max: 20 (at most this many iterations)');
  const untilAt = f.get('until');
  const u = untilAt && src.fields(untilAt, `${what}.until`, ['cel']);
  if (!untilAt || (u && !u.has('cel')))
    src.error(
      untilAt?.pos ?? at.pos,
      `${what} has no until: {cel: …}`,
      'add until: { cel: "results.ready == \'true\'" }',
    );
  const until = u?.has('cel') ? readCel(reader, u.get('cel')!, `${what}.until.cel`) : undefined;
  const delayMs = src.duration(f.get('delay'), `${what}.delay`);
  if (!until || max === undefined) return undefined;
  return { until, max, ...(delayMs !== undefined ? { delayMs } : {}) };
}
