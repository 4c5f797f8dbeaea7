// Round trips through writeArchive/extractArchive that the larger cache suites only meet by chance.
import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extractArchive, IN_MEMORY_RESTORE, writeArchive } from '../../../agent/cache/archive.js';
import { decompressSync } from '../../../agent/cache/codec.js';
import { CacheEntryCorruptError } from '../../../agent/cache/errors.js';
import type { ArchiveFormat } from '../../../contract/cache/index.js';
import { describeTree, makeTree } from './tree.js';

async function archive(roots: string[], format: ArchiveFormat) {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const { digest, size } = await writeArchive(roots, format, sink);
  return { bytes: Buffer.concat(chunks), entry: { format, digest, size, key: 'k' } };
}

describe('archive round trip', () => {
  // A file written in the last half-millisecond of a second: Node's Date for it is the next second.
  it.each(['tar', 'tar+gzip'] as const)(
    '%s: keeps the whole second of an mtime just under the next one',
    async (format) => {
      const src = await mkdtemp(join(tmpdir(), 'kiln-arch-src-'));
      const late = 1_795_734_075.9996;
      for (const name of ['short', `${'long-name-'.repeat(12)}.txt`]) {
        // the second one needs a pax header
        await writeFile(join(src, name), name);
        await utimes(join(src, name), late, late);
      }
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (c: Buffer) => chunks.push(c));
      const { digest, size } = await writeArchive([src], format, sink);
      const target = join(await mkdtemp(join(tmpdir(), 'kiln-arch-dst-')), 'out');
      await extractArchive(PassThrough.from(Buffer.concat(chunks)), { format, digest, size, key: 'k' }, [target]);
      expect(await describeTree(target)).toEqual(await describeTree(src));
      expect((await describeTree(target)).every((l) => l.includes(' 1795734075 '))).toBe(true);
    },
  );

  // Both restore paths: streamed through node-tar's unpacker, or read whole and unpacked blocking
  // (the default within IN_MEMORY_RESTORE's bounds).
  describe.each([
    ['streamed', { stored: 0, tar: 0 }],
    ['in memory', { stored: Infinity, tar: Infinity }],
  ] as const)('%s', (_, inMemoryUpTo) => {
    it.each(['tar', 'tar+gzip', 'tar+brotli'] as const)(
      '%s: two paths into their targets, merged over what is there, modes, links and mtimes kept',
      async (format) => {
        const src = await mkdtemp(join(tmpdir(), 'kiln-arch-src-'));
        await makeTree(join(src, 'a'));
        await makeTree(join(src, 'b'), 'z');
        const { bytes, entry } = await archive([join(src, 'a'), join(src, 'b')], format);
        const dst = await mkdtemp(join(tmpdir(), 'kiln-arch-dst-'));
        // Already there: a file the entry also has (the entry's wins) and one it has not (kept).
        await mkdir(join(dst, 'one/pkg'), { recursive: true });
        await writeFile(join(dst, 'one/pkg/package.json'), 'stale');
        await writeFile(join(dst, 'one/mine.txt'), 'mine');
        const result = await extractArchive(
          PassThrough.from(bytes),
          entry,
          [join(dst, 'one'), join(dst, 'two')],
          inMemoryUpTo,
        );
        expect(result.bytes).toBe(bytes.length);
        const one = await describeTree(join(dst, 'one'));
        expect(one.filter((l) => !l.includes('mine.txt'))).toEqual(await describeTree(join(src, 'a')));
        expect(one.some((l) => l.startsWith('F mine.txt '))).toBe(true);
        expect(await describeTree(join(dst, 'two'))).toEqual(await describeTree(join(src, 'b')));
        expect(await readdir(dst)).toEqual(['one', 'two']); // no staging left
      },
    );

    it('refuses bytes that do not hash to the digest, leaving the target untouched', async () => {
      const src = await mkdtemp(join(tmpdir(), 'kiln-arch-src-'));
      await makeTree(join(src, 'a'));
      const { bytes, entry } = await archive([join(src, 'a')], 'tar+gzip');
      bytes[bytes.length >> 1] ^= 1;
      const dst = await mkdtemp(join(tmpdir(), 'kiln-arch-dst-'));
      const extracted = extractArchive(PassThrough.from(bytes), entry, [join(dst, 'one')], inMemoryUpTo);
      await expect(extracted).rejects.toBeInstanceOf(CacheEntryCorruptError);
      expect(await readdir(dst)).toEqual([]);
    });

    it('refuses more bytes than the entry records', async () => {
      const src = await mkdtemp(join(tmpdir(), 'kiln-arch-src-'));
      await makeTree(join(src, 'a'));
      const { bytes, entry } = await archive([join(src, 'a')], 'tar');
      const dst = await mkdtemp(join(tmpdir(), 'kiln-arch-dst-'));
      const longer = Buffer.concat([bytes, Buffer.alloc(512)]);
      const extracted = extractArchive(PassThrough.from(longer), entry, [join(dst, 'one')], inMemoryUpTo);
      await expect(extracted).rejects.toThrow(/more than the expected/);
      expect(await readdir(dst)).toEqual([]);
    });
  });

  it('streams an entry small when stored but large once decompressed, from the bytes already read', async () => {
    const src = await mkdtemp(join(tmpdir(), 'kiln-arch-src-'));
    await makeTree(join(src, 'a'));
    await writeFile(join(src, 'a/zeros.bin'), Buffer.alloc(4 * IN_MEMORY_RESTORE.tar));
    const { bytes, entry } = await archive([join(src, 'a')], 'tar+gzip');
    expect(bytes.length).toBeLessThanOrEqual(IN_MEMORY_RESTORE.stored);
    expect(decompressSync('tar+gzip', bytes, IN_MEMORY_RESTORE.tar)).toBeNull();
    const dst = await mkdtemp(join(tmpdir(), 'kiln-arch-dst-'));
    await extractArchive(PassThrough.from(bytes), entry, [join(dst, 'one')]);
    expect(await describeTree(join(dst, 'one'))).toEqual(await describeTree(join(src, 'a')));
    expect(await readdir(dst)).toEqual(['one']);
  });

  it('decompresses at once only within the bound, and refuses what does not decode', () => {
    const tar = Buffer.alloc(2048, 7);
    for (const [format, stored] of [
      ['tar', tar],
      ['tar+gzip', gzipSync(tar)],
      ['tar+brotli', brotliCompressSync(tar)],
    ] as const) {
      expect(decompressSync(format, stored, 2048)).toEqual(tar);
      expect(decompressSync(format, stored, 2047)).toBeNull();
    }
    expect(() => decompressSync('tar+gzip', Buffer.from('not gzip'), 2048)).toThrow();
  });
});
