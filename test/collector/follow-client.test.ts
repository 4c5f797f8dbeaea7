// The follow client's pure parts: event splitting across chunk boundaries, the reconnect schedule
// in fake time, and recognising lines a resumed follow repeats.
import { describe, expect, it } from 'vitest';
import { ReconnectPolicy, SeenLines, takeSseEvents } from '../../collector/follow-client.js';

describe('takeSseEvents', () => {
  it('splits whole events, keeps a partial one, skips comments, joins data lines', () => {
    const stream = ': keep-alive\n\nid: abc\nevent: line\ndata: {"a":1}\n\nevent: end\ndata: x\ndata: y\n\nevent: li';
    const { events, rest } = takeSseEvents(stream);
    expect(events).toEqual([
      { event: 'message', data: '' },
      { event: 'line', data: '{"a":1}', id: 'abc' },
      { event: 'end', data: 'x\ny' },
    ]);
    expect(rest).toBe('event: li');
    // Fed in pieces, the same events come out.
    const pieces = stream.match(/.{1,7}/gs)!;
    let buf = '';
    const seen: string[] = [];
    for (const p of pieces) {
      const out = takeSseEvents(buf + p);
      buf = out.rest;
      seen.push(...out.events.map((e) => e.event));
    }
    expect(seen).toEqual(['message', 'line', 'end']);
  });
});

describe('ReconnectPolicy', () => {
  it('backs off from 250 ms to 2 s, starts over once connected, gives up after its time', () => {
    let now = 0;
    const p = new ReconnectPolicy(5000, () => now);
    expect([p.failed(), p.failed(), p.failed(), p.failed(), p.failed()]).toEqual([250, 500, 1000, 2000, 2000]);
    p.connected();
    expect(p.failed()).toBe(250);
    now = 5001;
    expect(p.failed()).toBeNull();
  });
});

describe('SeenLines', () => {
  it('passes each step line once, in seq order per step', () => {
    const s = new SeenLines();
    const l = (step: string, seq: number) => ({ task: 't', step, seq });
    expect([l('a', 0), l('a', 1), l('b', 0), l('a', 1), l('a', 0), l('b', 1)].map((x) => s.isNew(x))).toEqual([
      true,
      true,
      true,
      false,
      false,
      true,
    ]);
  });
});
