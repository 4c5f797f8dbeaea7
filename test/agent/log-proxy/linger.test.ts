// The log proxy's lingering (ProxyConfig.lingerMs, kiln-agent host's shipping): output of running
// steps waits a little for more, so that a short step's lines and its end make one request.
// A scripted pod: what the steps write and when they end, on a clock the proxy's waits advance.
import { describe, expect, it } from 'vitest';
import { encodeSpoolHeader } from '../../../contract/index.js';
import { unpackTable } from '../../../contract/log-wire/index.js';
import { LINGER_MAX_BYTES, runLogProxy, type ProxyIO, type StepBatch } from '../../../agent/log-proxy/core.js';

const line = (text: string) => {
  const data = Buffer.from(`${text}\n`);
  return Buffer.concat([Buffer.from(encodeSpoolHeader('o', 1700000000000, data.length)), data]);
};

type Event = { at: number; step: number } & ({ write: string } | { end: true });

interface Send {
  at: number;
  lines: number;
  eof: boolean;
}

class ScriptedPod {
  clock = 0;
  sends: Send[] = [];
  private spools: Buffer[];
  private ended: boolean[];
  constructor(
    steps: number,
    private events: Event[],
  ) {
    this.spools = Array.from({ length: steps }, () => Buffer.alloc(0));
    this.ended = Array.from({ length: steps }, () => false);
    this.applyDue();
  }

  /** Applies what is due by now; a change ends a wait (the spool watch, a step's end). */
  private applyDue(): void {
    while (this.events.length && this.events[0]!.at <= this.clock) {
      const e = this.events.shift()!;
      if ('end' in e) this.ended[e.step] = true;
      else this.spools[e.step] = Buffer.concat([this.spools[e.step]!, line(e.write)]);
    }
  }

  io(names: string[]): ProxyIO {
    return {
      spoolName: (i) => `${i}.spool`,
      readSpool: async (i, off, max) => Buffer.from(this.spools[i]!.subarray(off, off + max)),
      stepEnded: async (i) => this.ended[i]!,
      send: async (steps: StepBatch[]) => {
        const acks = new Map<string, number>();
        let lines = 0;
        for (const s of steps) {
          const n = unpackTable(s.lines!.packedLines, s.lines!.packedMeta, Infinity, true).count;
          lines += n;
          acks.set(names[s.stepIndex]!, s.firstSeq + n);
        }
        this.sends.push({ at: this.clock, lines, eof: steps.some((s) => s.eof) });
        return acks;
      },
      loadPosition: async () => null,
      savePosition: async () => undefined,
      waitForChange: async (ms) => {
        const next = this.events[0]?.at ?? Infinity;
        this.clock = Math.min(this.clock + ms, next);
        this.applyDue();
      },
      sleep: async (ms) => {
        this.clock += ms;
        this.applyDue();
      },
      now: () => this.clock,
      warn: () => undefined,
    };
  }
}

const ship = (pod: ScriptedPod, steps: string[], lingerMs: number) =>
  runLogProxy({ steps, lingerMs, idleWaitMs: 250 }, pod.io(steps));

describe('log shipping that lingers', () => {
  it.each([
    { lingerMs: 0, sends: 2 },
    { lingerMs: 25, sends: 1 },
  ])(
    "sends a short step's line and its end in $sends request(s) with lingerMs $lingerMs",
    async ({ lingerMs, sends }) => {
      const pod = new ScriptedPod(1, [
        { at: 0, step: 0, write: 'restored' },
        { at: 8, step: 0, end: true },
      ]);
      expect((await ship(pod, ['a'], lingerMs)).delivered).toBe(true);
      expect(pod.sends).toHaveLength(sends);
      expect(pod.sends.at(-1)).toEqual({ at: 8, lines: sends === 1 ? 1 : 0, eof: true });
    },
  );

  it("sends a quiet step's line once the linger is over, not at its end", async () => {
    const pod = new ScriptedPod(1, [
      { at: 0, step: 0, write: 'started' },
      { at: 5_000, step: 0, end: true },
    ]);
    await ship(pod, ['a'], 25);
    expect(pod.sends[0]).toEqual({ at: 25, lines: 1, eof: false });
    expect(pod.sends).toHaveLength(2);
  });

  it("sends a chatty step's lines at most once a linger, every line once", async () => {
    const writes: Event[] = Array.from({ length: 40 }, (_, k) => ({ at: k * 5, step: 0, write: `line ${k}` }));
    const pod = new ScriptedPod(1, [...writes, { at: 200, step: 0, end: true }]);
    await ship(pod, ['a'], 25);
    expect(pod.sends.reduce((n, s) => n + s.lines, 0)).toBe(40);
    expect(pod.sends.length).toBeLessThanOrEqual(200 / 25 + 1);
    for (let k = 1; k < pod.sends.length - 1; k++)
      expect(pod.sends[k]!.at - pod.sends[k - 1]!.at).toBeGreaterThanOrEqual(25);
  });

  /** Step 0's writes at time 0, over LINGER_MAX_BYTES in all. */
  const LARGE_LINES = Math.ceil(LINGER_MAX_BYTES / 1000) + 1;
  const large = (): Event[] => Array.from({ length: LARGE_LINES }, () => ({ at: 0, step: 0, write: 'x'.repeat(1000) }));

  it('sends at once what ends a step, and a batch too large to be worth holding', async () => {
    const pod = new ScriptedPod(2, [
      ...large(),
      { at: 0, step: 0, end: true },
      { at: 10, step: 1, write: 'late' },
      { at: 10, step: 1, end: true },
    ]);
    await ship(pod, ['a', 'b'], 25);
    expect(pod.sends.map((s) => s.at)).toEqual([0, 10]);
  });

  it('sends a large batch of a running step without waiting', async () => {
    const pod = new ScriptedPod(1, [...large(), { at: 1_000, step: 0, end: true }]);
    await ship(pod, ['a'], 25);
    expect(pod.sends[0]).toEqual({ at: 0, lines: LARGE_LINES, eof: false });
  });

  it('sends at once when told to hurry (a shipping being stopped), however small the batch', async () => {
    const pod = new ScriptedPod(1, [
      { at: 0, step: 0, write: 'one line' },
      { at: 1_000, step: 0, end: true },
    ]);
    const io = pod.io(['a']);
    io.hurry = () => true;
    await runLogProxy({ steps: ['a'], lingerMs: 25, idleWaitMs: 250 }, io);
    expect(pod.sends[0]).toEqual({ at: 0, lines: 1, eof: false });
  });
});
