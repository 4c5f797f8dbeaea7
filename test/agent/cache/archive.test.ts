// Round trips through writeArchive/extractArchive that the larger cache suites only meet by chance.
import { mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { extractArchive, writeArchive } from '../../../agent/cache/archive.js';
import { describeTree } from './tree.js';

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
});
