// The restore path as a decoder of untrusted bytes: mutated and random archives (with a digest
// that matches them, so only the decoder stands guard) either extract inside the staging area or
// fail with CacheEntryCorruptError; nothing lands outside the targets, nothing hangs.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { extractArchive, writeArchive } from '../../../agent/cache/archive.js';
import type { ArchiveFormat } from '../../../contract/cache/index.js';
import { CacheEntryCorruptError } from '../../../agent/cache/errors.js';
import { makeTree } from './tree.js';

async function archiveOf(format: ArchiveFormat): Promise<Buffer> {
  const src = await mkdtemp(join(tmpdir(), 'kiln-fuzz-src-'));
  await makeTree(join(src, 'deps'));
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await writeArchive([join(src, 'deps')], format, sink);
  return Buffer.concat(chunks);
}

let seed = 20261126;
const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);

function mutate(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  switch (rand(4)) {
    case 0: // flip a few bytes, often in a header block
      for (let i = rand(6) + 1; i > 0; i--) out[rand(Math.min(out.length, 2048 + rand(out.length)))] ^= 1 + rand(255);
      return out;
    case 1:
      return out.subarray(0, rand(out.length));
    case 2: // a path that tries to climb out
      return Buffer.from(
        out
          .toString('latin1')
          .replace(/0\/pkg/g, '../../..')
          .replace(/0\/\.bin/g, '/etc/xx'),
        'latin1',
      );
    default:
      return Buffer.from(Array.from({ length: rand(4096) }, () => rand(256)));
  }
}

describe('extractArchive on hostile input (fuzz)', () => {
  // Bounds of 0: every case streams; Infinity: every case is read whole and unpacked blocking.
  const streamed = { stored: 0, tar: 0 };
  const inMemory = { stored: Infinity, tar: Infinity };
  it.each([
    ['tar', 'streamed', streamed],
    ['tar+gzip', 'streamed', streamed],
    ['tar', 'in memory', inMemory],
    ['tar+gzip', 'in memory', inMemory],
  ] as const)('%s, %s: extracts inside the targets or refuses', async (format, _, bounds) => {
    const good = await archiveOf(format);
    const root = await mkdtemp(join(tmpdir(), 'kiln-fuzz-'));
    for (let i = 0; i < 60; i++) {
      const bytes = mutate(good);
      const digest = createHash('sha256').update(bytes).digest('hex');
      const parent = join(root, `case-${i}`);
      await mkdir(parent);
      const target = join(parent, 'deps');
      const result = await extractArchive(
        Readable.from([bytes]),
        { format, digest, size: bytes.length, key: `fuzz-${i}` },
        [target],
        bounds,
      ).then(
        () => 'ok',
        (err) => err,
      );
      if (result !== 'ok') expect(result).toBeInstanceOf(CacheEntryCorruptError);
      // Whatever happened, only the target may exist beside it: no staging left, nothing climbed out.
      expect((await readdir(parent)).filter((n) => n !== 'deps')).toEqual([]);
    }
    expect((await readdir(root)).length).toBe(60);
  });
});
