// kiln-agent host's events on the wire (contract/host-runner.ts): JSON lines, an `out` event's
// bytes after its line. The reader must give the same events however the pipe cuts the bytes, keep
// characters whole, and refuse what is not the protocol with its own error.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  encodeHostMessage,
  encodeHostOut,
  HostEventReader,
  HostProtocolError,
  wholeCharsEnd,
  type HostEvent,
} from '../../contract/index.js';
import { EventStream } from '../../agent/host/step-world.js';

/** The events of `wire`, fed to a reader in pieces cut at `cuts`. */
function read(wire: Buffer, cuts: number[] = []): HostEvent[] {
  const events: HostEvent[] = [];
  const reader = new HostEventReader((e) => events.push(e));
  let from = 0;
  for (const at of [...cuts, wire.length]) {
    reader.push(wire.subarray(from, at));
    from = at;
  }
  return events;
}

const out = (data: string, step = 0): Buffer[] =>
  encodeHostOut('t-1', step, 'stdout', Buffer.from(data)).map((p) => Buffer.from(p));

describe('host events on the wire', () => {
  const wire = Buffer.concat([
    ...out('hello\nwörld ✓\n'),
    Buffer.from(encodeHostMessage({ ev: 'warn', taskRun: 't-1', line: 'a warning' })),
    ...out(''),
    ...out('{"ev":"exit"}\n\n', 1),
    Buffer.from(encodeHostMessage({ ev: 'exit', taskRun: 't-1', step: 0, code: 0, signal: null })),
  ]);
  const expected: HostEvent[] = [
    { ev: 'out', taskRun: 't-1', step: 0, stream: 'stdout', data: 'hello\nwörld ✓\n' },
    { ev: 'warn', taskRun: 't-1', line: 'a warning' },
    { ev: 'out', taskRun: 't-1', step: 0, stream: 'stdout', data: '' },
    // Bytes that look like an event are the step's output, not an event.
    { ev: 'out', taskRun: 't-1', step: 1, stream: 'stdout', data: '{"ev":"exit"}\n\n' },
    { ev: 'exit', taskRun: 't-1', step: 0, code: 0, signal: null },
  ];

  it('reads the events whole, the out bytes as they were written', () => {
    expect(read(wire)).toEqual(expected);
  });

  it('gives the same events wherever the pipe cuts the bytes', () => {
    for (let at = 1; at < wire.length; at++) expect(read(wire, [at])).toEqual(expected);
    const everyByte = Array.from({ length: wire.length - 1 }, (_, i) => i + 1);
    expect(read(wire, everyByte)).toEqual(expected);
  });

  it('refuses what is not the protocol with HostProtocolError', () => {
    expect(() => read(Buffer.from('not json\n'))).toThrow(HostProtocolError);
    expect(() => read(Buffer.from('null\n'))).toThrow(HostProtocolError);
    expect(() => read(Buffer.from('42\n'))).toThrow(HostProtocolError);
    expect(() => read(Buffer.from('{"ev":"out","taskRun":"t","step":0,"stream":"stdout","bytes":-1}\n'))).toThrow(
      /-1 bytes/,
    );
    expect(() => read(Buffer.alloc(1024 * 1024 + 2, 0x61))).toThrow(/longer than/);
  });

  it('fuzz: mutated streams give events or HostProtocolError, nothing else', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let k = 0; k < 2000; k++) {
      const input = Buffer.from(wire);
      for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) input[Math.floor(rand() * input.length)] = rand() * 256;
      try {
        read(input, [Math.floor(rand() * input.length)]);
      } catch (err) {
        if (!(err instanceof HostProtocolError)) throw err;
      }
    }
  });
});

describe('wholeCharsEnd', () => {
  it.each([
    ['ascii', [0x61, 0x62], 2],
    ['a complete two-byte character', [0x61, 0xc3, 0xb6], 3],
    ['a two-byte character cut after its lead', [0x61, 0xc3], 1],
    ['a three-byte character cut after two bytes', [0xe2, 0x9c], 0],
    ['a complete four-byte character', [0xf0, 0x9f, 0x98, 0x80], 4],
    ['a four-byte character cut after three bytes', [0x61, 0xf0, 0x9f, 0x98], 1],
    ['stray continuation bytes (not UTF-8: passed on)', [0x80, 0x80, 0x80, 0x80], 4],
    ['nothing', [], 0],
  ])('%s', (_, bytes, end) => {
    expect(wholeCharsEnd(Uint8Array.from(bytes))).toBe(end);
  });
});

describe('EventStream (kiln-agent host)', () => {
  it('keeps a character the pipe cut for the next chunk, and sends a cut one at the end rather than drop it', async () => {
    const written: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        written.push(Buffer.from(chunk));
        done();
      },
    });
    const stream = new EventStream(sink, (data) => encodeHostOut('t', 0, 'stderr', data));
    const text = Buffer.from('ö✓😀');
    for (let i = 0; i < text.length; i++) stream.write(text.subarray(i, i + 1));
    stream.end(Buffer.from([0xe2, 0x9c])); // a character its command never finished
    await new Promise((r) => stream.once('finish', r));
    const events = read(Buffer.concat(written));
    expect(events.map((e) => (e.ev === 'out' ? e.data : '')).join('')).toBe('ö✓😀\ufffd');
    expect(events.every((e) => e.ev === 'out' && e.stream === 'stderr')).toBe(true);
  });
});
