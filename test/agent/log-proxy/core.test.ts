// The log proxy's core with in-memory spools and a flaky in-memory collector.
import { describe, expect, it } from 'vitest';
import { encodeSpoolHeader, type SpoolStream } from '../../../contract/index.js';
import { unpackTable } from '../../../contract/log-wire/index.js';
import {
  runLogProxy,
  TransientSendError,
  type ProxyIO,
  type StepBatch,
  type StepPosition,
} from '../../../agent/log-proxy/core.js';

function record(stream: SpoolStream, text: string): Buffer {
  const data = Buffer.from(text);
  return Buffer.concat([
    Buffer.from(encodeSpoolHeader(stream, 1700000000000, data.length + 1)),
    data,
    Buffer.from('\n'),
  ]);
}

class MemoryPod {
  spools: Buffer[];
  ended: boolean[];
  positions = new Map<number, StepPosition>();
  stored = new Map<string, Map<number, string>>();
  sends = 0;
  changes: (() => void)[] = [];
  clock = 0;
  constructor(
    steps: number,
    readonly failEvery = 0,
    readonly refuse = false,
  ) {
    this.spools = Array.from({ length: steps }, () => Buffer.alloc(0));
    this.ended = Array.from({ length: steps }, () => false);
  }
  append(i: number, b: Buffer) {
    this.spools[i] = Buffer.concat([this.spools[i], b]);
  }
  io(names: string[]): ProxyIO {
    return {
      spoolName: (i) => `${i}.spool`,
      readSpool: async (i, off, max) => Buffer.from(this.spools[i].subarray(off, off + max)),
      stepEnded: async (i) => this.ended[i],
      send: async (steps: StepBatch[]) => {
        this.sends++;
        if (this.refuse) throw new Error('403 forbidden');
        if (this.failEvery && this.sends % this.failEvery === 0) throw new TransientSendError('collector down');
        const acks = new Map<string, number>();
        for (const s of steps) {
          const m = this.stored.get(names[s.stepIndex]) ?? new Map<number, string>();
          this.stored.set(names[s.stepIndex], m);
          const { packedLines, packedMeta } = s.lines!;
          const t = unpackTable(packedLines, packedMeta, Infinity, true);
          for (let k = 0; k < t.count; k++)
            m.set(s.firstSeq + k, packedLines.toString('utf8', t.starts[k], t.starts[k] + t.heads[k] / 2));
          acks.set(s.step, s.firstSeq + t.count);
        }
        return acks;
      },
      loadPosition: async (i) => this.positions.get(i) ?? null,
      savePosition: async (i, p) => {
        this.positions.set(i, p);
      },
      waitForChange: async () => {
        this.clock += 100;
        this.changes.shift()?.();
      },
      sleep: async (ms) => {
        this.clock += ms;
      },
      now: () => this.clock,
      warn: () => undefined,
    };
  }
}

describe('log proxy core', () => {
  it('delivers every record of every step once, across transient failures, and stops at the ends', async () => {
    const pod = new MemoryPod(2, 3);
    // A small line limit forces many batches; the second step writes while the proxy runs.
    for (let i = 0; i < 500; i++) pod.append(0, record(i % 7 ? 'o' : 'e', `line ${i}`));
    pod.ended[0] = true;
    let written = 0;
    const more = () => {
      for (let k = 0; k < 50 && written < 300; k++, written++) pod.append(1, record('o', `b${written}`));
      if (written < 300) pod.changes.push(more);
      else pod.ended[1] = true;
    };
    pod.changes.push(more);
    const out = await runLogProxy({ steps: ['a', 'b'], maxBatchLines: 40 }, pod.io(['a', 'b']));
    expect(out.delivered).toBe(true);
    // Keyed by seq like the real store (a batch behind a failed one may land first).
    const bySeq = (m: Map<number, string>) => [...m.entries()].sort((x, y) => x[0] - y[0]);
    expect(bySeq(pod.stored.get('a')!)).toEqual(Array.from({ length: 500 }, (_, i) => [i, `line ${i}`]));
    expect(bySeq(pod.stored.get('b')!).map(([, t]) => t)).toEqual(Array.from({ length: 300 }, (_, i) => `b${i}`));
    expect(pod.positions.get(0)).toEqual({ offset: pod.spools[0].length, seq: 500, eof: true });
    expect(pod.sends).toBeGreaterThan(20);
  });

  it("leaves a batch's bytes as they were until it is answered, while the next batches are packed", async () => {
    const pod = new MemoryPod(1);
    for (let i = 0; i < 400; i++) pod.append(0, record('o', `line ${i} `.padEnd(40, String(i % 10))));
    pod.ended[0] = true;
    const io = pod.io(['a']);
    const send = io.send!;
    let checked = 0;
    io.send = async (steps) => {
      const sentBytes = steps.map((s) => Buffer.from(s.lines!.packedLines));
      // Answered only after the proxy has gone on: it packs the next batch meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      for (const [k, s] of steps.entries()) expect(s.lines!.packedLines.equals(sentBytes[k]!)).toBe(true);
      checked++;
      return send(steps);
    };
    const out = await runLogProxy({ steps: ['a'], maxBatchLines: 30 }, io);
    expect(out.delivered).toBe(true);
    expect(checked).toBeGreaterThan(10);
    expect(pod.stored.get('a')!.size).toBe(400);
  });

  it('resumes from saved positions without resending acked lines', async () => {
    const pod = new MemoryPod(1);
    for (let i = 0; i < 10; i++) pod.append(0, record('o', `l${i}`));
    const firstFive = pod.spools[0].subarray(0, 5 * record('o', 'l0').length).length;
    pod.positions.set(0, { offset: firstFive, seq: 5, eof: false });
    pod.ended[0] = true;
    await runLogProxy({ steps: ['a'] }, pod.io(['a']));
    expect([...pod.stored.get('a')!.keys()]).toEqual([5, 6, 7, 8, 9]);
  });

  it('waits for a cut-off record to be completed before shipping it', async () => {
    const pod = new MemoryPod(1);
    const r = record('o', 'x'.repeat(100));
    pod.append(0, r.subarray(0, 50));
    pod.changes.push(() => {
      pod.append(0, r.subarray(50));
      pod.ended[0] = true;
    });
    await runLogProxy({ steps: ['a'] }, pod.io(['a']));
    expect([...pod.stored.get('a')!.values()]).toEqual(['x'.repeat(100)]);
  });

  it("names an earlier step before a later one's lines, even when the earlier one printed between the two reads", async () => {
    const pod = new MemoryPod(2);
    const io = pod.io(['a', 'b']);
    const firstSeen: string[] = [];
    let raced = false;
    const readSpool = io.readSpool;
    io.readSpool = async (i, off, max) => {
      const chunk = await readSpool(i, off, max);
      // Step a prints and ends, and step b prints, right after the read that found a empty.
      if (i === 0 && !raced) {
        raced = true;
        pod.append(0, record('o', 'from a'));
        pod.ended[0] = true;
        pod.append(1, record('o', 'from b'));
        pod.ended[1] = true;
      }
      return chunk;
    };
    const send = io.send!;
    io.send = async (steps) => {
      for (const s of steps) if (!firstSeen.includes(s.step)) firstSeen.push(s.step);
      return send(steps);
    };
    expect((await runLogProxy({ steps: ['a', 'b'] }, io)).delivered).toBe(true);
    expect(raced).toBe(true);
    expect(firstSeen).toEqual(['a', 'b']);
    expect([...pod.stored.get('a')!.values()]).toEqual(['from a']);
    expect([...pod.stored.get('b')!.values()]).toEqual(['from b']);
  });

  it('gives up after the deadline, saying what it could not deliver', async () => {
    const pod = new MemoryPod(1, 1);
    pod.append(0, record('o', 'never'));
    pod.ended[0] = true;
    const out = await runLogProxy({ steps: ['a'], deadlineMs: 5000 }, pod.io(['a']));
    expect(out).toMatchObject({
      delivered: false,
      undelivered: [{ step: 'a', stepIndex: 0, fromSeq: 0, fromOffset: 0 }],
      lastError: 'collector down',
    });
    expect(pod.clock).toBeGreaterThan(5000);
  });

  it('stops at once on a refusal that retrying cannot fix', async () => {
    const pod = new MemoryPod(1, 0, true);
    pod.append(0, record('o', 'x'));
    pod.ended[0] = true;
    const out = await runLogProxy({ steps: ['a'] }, pod.io(['a']));
    expect(out).toMatchObject({ delivered: false, lastError: '403 forbidden' });
    expect(pod.sends).toBe(1);
  });
});
