// The log proxy's hand framing against the generated protobuf codec: a framed LogBatch decodes to
// what was framed, a LogAck reads as protobufjs wrote it, and damaged acks give LogAckError only.
import { describe, expect, it } from 'vitest';
import {
  frameLogBatch,
  LogAck,
  LogAckError,
  LogBatch,
  packLines,
  readLogAck,
  type FramedStep,
} from '../../contract/log-wire/index.js';

const lines = (texts: string[], timeMs = 1733100000000) =>
  packLines(texts.map((t, i) => ({ stream: i % 2 ? 'e' : 'o', timeMs, data: Buffer.from(t) })));

function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

describe('frameLogBatch', () => {
  it('frames what LogBatch.decode reads back, the packed bytes not copied', () => {
    const steps: FramedStep[] = [
      { step: 'build', stepIndex: 0, eof: false, firstSeq: 0, lines: lines(['a', '', 'ccc']) },
      { step: 'tést ✓', stepIndex: 7, eof: true, firstSeq: 2 ** 40 + 3, lines: lines(['x'.repeat(300)]) },
      { step: 'done', stepIndex: 2, eof: true, firstSeq: 12, lines: lines([]) },
    ];
    const frames = frameLogBatch('web-app-x7k2p', 'web-app-x7k2p-build', steps);
    expect(frames).toContain(steps[1].lines.packedLines);
    const back = LogBatch.decode(Buffer.concat(frames));
    expect(back.pipelineRun).toBe('web-app-x7k2p');
    expect(back.taskRun).toBe('web-app-x7k2p-build');
    expect(
      back.steps.map((s) => ({
        step: s.step,
        stepIndex: s.stepIndex,
        eof: s.eof,
        firstSeq: Number(s.firstSeq),
        lines: { packedLines: Buffer.from(s.packedLines!), packedMeta: Buffer.from(s.packedMeta!) },
      })),
    ).toEqual(steps);
  });
});

describe('readLogAck', () => {
  it('reads the steps of a LogAck as protobufjs writes it, past 2^32 too', () => {
    const bytes = LogAck.encode({
      steps: [
        { step: 'build', nextSeq: 12 },
        { step: 'tést', nextSeq: 2 ** 40 + 1 },
        { step: 'none', nextSeq: 0 },
      ],
    }).finish();
    expect([...readLogAck(bytes)]).toEqual([
      ['build', 12],
      ['tést', 2 ** 40 + 1],
      ['none', 0],
    ]);
  });

  it('skips fields it does not know, of every wire type', () => {
    // steps { step "s" (1), 99: varint 5, 98: fixed64, 97: bytes "zz", 96: fixed32, next_seq 9 }, then a top-level 9: varint.
    const inner = [
      0x0a, 0x01, 0x73, 0x98, 0x06, 0x05, 0x91, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, 0x8a, 0x06, 0x02, 0x7a, 0x7a, 0x85, 0x06,
      1, 2, 3, 4, 0x10, 0x09,
    ];
    const ack = Buffer.from([0x0a, inner.length, ...inner, 0x48, 0x01]);
    expect(LogAck.decode(ack).steps.map((s) => [s.step, Number(s.nextSeq)])).toEqual([['s', 9]]);
    expect([...readLogAck(ack)]).toEqual([['s', 9]]);
  });

  it('gives a map or LogAckError for random and cut bytes (fuzz)', () => {
    const rand = rng(5);
    const valid = Buffer.from(
      LogAck.encode({
        steps: [
          { step: 'build', nextSeq: 123456 },
          { step: 'b', nextSeq: 1 },
        ],
      }).finish(),
    );
    let errors = 0;
    for (let k = 0; k < 3000; k++) {
      const input = Buffer.from(valid);
      for (let n = 0; n < 1 + rand() * 3; n++) input[Math.floor(rand() * input.length)] = Math.floor(rand() * 256);
      const bytes = k % 3 === 0 ? input.subarray(0, Math.floor(rand() * input.length)) : input;
      try {
        expect(readLogAck(bytes)).toBeInstanceOf(Map);
      } catch (err) {
        expect(err).toBeInstanceOf(LogAckError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(100);
  });
});
