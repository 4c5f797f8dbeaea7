// The spool gates, both sides: the proxy's gate moves with the acks and is lifted when it exits;
// the entrypoint's reading of the gate file; and -spool_limit's values.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpoolGates, type GateIO } from '../../../agent/log-proxy/gates.js';
import { DEFAULT_SPOOL_LIMIT, parseSpoolLimit } from '../../../agent/log-proxy/options.js';
import { SpoolGate } from '../../../agent/entrypoint/spool-gate.js';
import { AgentUsageError } from '../../../agent/errors.js';
import { readSpoolGateText, spoolGateText } from '../../../contract/index.js';

function fakeIO(sizes: number[], failSet = false) {
  const gates = new Map<number, number | null>();
  const warnings: string[] = [];
  const io: GateIO = {
    send: () => undefined,
    spoolName: (i) => `${i}.spool`,
    spoolSize: async (i) => sizes[i],
    setGate: async (i, size) => {
      if (failSet) throw new Error('ENOSPC');
      gates.set(i, size);
    },
    warn: (m) => warnings.push(m),
  };
  return { io, gates, warnings };
}

describe('spool gates (proxy side)', () => {
  it('moves each gate to the acked offset plus the limit, says when a step is held and flows, lifts all', async () => {
    const { io, gates, warnings } = fakeIO([500, 10]);
    const g = new SpoolGates(io, ['a', 'b'], 100);
    await g.ack(0, { offset: 0, eof: false });
    await g.ack(1, { offset: 0, eof: false });
    expect([...gates]).toEqual([
      [0, 100],
      [1, 100],
    ]);
    await g.check(
      [
        { offset: 0, eof: false },
        { offset: 0, eof: false },
      ],
      'cannot reach the collector',
    );
    await g.check(
      [
        { offset: 0, eof: false },
        { offset: 0, eof: false },
      ],
      'again',
    ); // said once
    expect(warnings).toEqual([
      "step 0 (a): 500 bytes of 0.spool not acked, its limit (-spool_limit 100); the step's output is held back until the collector acks (last error: cannot reach the collector)",
    ]);
    await g.ack(0, { offset: 450, eof: false });
    expect(gates.get(0)).toBe(550);
    expect(warnings[1]).toBe('step 0 (a): lines acked again; its output flows');
    await g.ack(1, { offset: 10, eof: true });
    expect(gates.get(1)).toBeNull();
    await g.liftAll();
    expect([...gates.values()]).toEqual([null, null]);
  });

  it('keeps shipping when a gate cannot be written, and says so once', async () => {
    const { io, warnings } = fakeIO([0], true);
    const g = new SpoolGates(io, ['a'], 100);
    await g.ack(0, { offset: 0, eof: false });
    await g.ack(0, { offset: 10, eof: false });
    expect(warnings).toEqual(["cannot move step 0's spool gate (ENOSPC); retrying with the next ack"]);
  });

  it('sets no gate with no limit or nothing to ship to', async () => {
    const { io, gates } = fakeIO([0]);
    await new SpoolGates(io, ['a'], undefined).ack(0, { offset: 0, eof: false });
    await new SpoolGates({ ...io, send: undefined }, ['a'], 100).ack(0, { offset: 0, eof: false });
    expect(gates.size).toBe(0);
  });
});

describe('spool gate (entrypoint side)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-gate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds at the size the gate file names, and has room without one or with a damaged one', async () => {
    const file = join(dir, '0.spool.allow');
    let size = 0;
    const gate = new SpoolGate(file, () => size, 5);
    size = 1000;
    expect(gate.hasRoom()).toBe(true); // no gate file
    writeFileSync(file, spoolGateText(1500));
    size = 5 * 1024 * 1024; // past the recheck distance: the file is read
    expect(gate.hasRoom()).toBe(false);
    const freed = new Promise<void>((resolve) => gate.whenRoom(resolve));
    writeFileSync(file, spoolGateText(size + 1));
    await freed;
    expect(gate.hasRoom()).toBe(true);
    size += 10;
    writeFileSync(file, 'garbage');
    expect(gate.hasRoom()).toBe(true);
  });

  it('keeps its gate while the file is met half rewritten (the proxy writes it in place), then reads it whole', () => {
    const file = join(dir, '1.spool.allow');
    let size = 0;
    const gate = new SpoolGate(file, () => size, 5);
    writeFileSync(file, spoolGateText(1000));
    size = 900;
    expect(gate.hasRoom()).toBe(true);
    size = 1000;
    // A write of a gate of 9 999 999 caught half done: its first copy new, the second still the old one.
    const next = spoolGateText(9_999_999);
    const old = spoolGateText(1000);
    writeFileSync(file, next.slice(0, 55) + old.slice(55));
    expect(readSpoolGateText(readFileSync(file, 'latin1'))).toBe('torn');
    expect(gate.hasRoom()).toBe(false);
    writeFileSync(file, next);
    expect(gate.hasRoom()).toBe(true);
  });
});

describe('-spool_limit', () => {
  it('takes bytes and K, M, G; 0 is no limit; anything else is refused', () => {
    expect(parseSpoolLimit('65536')).toBe(65536);
    expect(parseSpoolLimit('64K')).toBe(65536);
    expect(parseSpoolLimit('512M')).toBe(DEFAULT_SPOOL_LIMIT);
    expect(parseSpoolLimit('2G')).toBe(2 * 1024 ** 3);
    expect(parseSpoolLimit('0')).toBeUndefined();
    for (const bad of ['', '-1', '1.5M', '10T', 'M', '1e9', '99999999999999999999G'])
      expect(() => parseSpoolLimit(bad)).toThrow(AgentUsageError);
  });
});
