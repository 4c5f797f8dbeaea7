// An in-memory restore over a tree that is already the entry's extracts nothing (agent/cache/in-place.ts);
// any difference the comparison can see (content with its size or time, a mode, a link, a missing
// entry) restores as before, and either way the tree ends as the entry's, merged over what is there.
import { chmod, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { extractArchive, writeArchive } from '../../../agent/cache/archive.js';
import { describeTree, makeTree } from './tree.js';

const IN_MEMORY = { stored: Infinity, tar: Infinity };

async function entryOf(src: string) {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const { digest, size } = await writeArchive([src], 'tar+gzip', sink);
  return { bytes: Buffer.concat(chunks), entry: { format: 'tar+gzip' as const, digest, size, key: 'k' } };
}

const cases: { change: string; edit: (t: string) => Promise<unknown>; inPlace: boolean; extra?: string }[] = [
  { change: 'nothing', edit: async () => undefined, inPlace: true },
  {
    change: 'a file the entry does not have',
    edit: (t) => writeFile(join(t, 'mine'), 'kept'),
    inPlace: true,
    extra: 'mine',
  },
  {
    change: 'a file rewritten',
    edit: (t) => writeFile(join(t, 'pkg/lib/index.js'), 'changed, longer\n'),
    inPlace: false,
  },
  {
    change: 'a file rewritten at its size (a new time)',
    edit: (t) => writeFile(join(t, 'pkg/lib/index.js'), 'module.exports = "b";\n'),
    inPlace: false,
  },
  { change: 'a mode', edit: (t) => chmod(join(t, 'pkg/cli.js'), 0o644), inPlace: false },
  { change: 'a file removed', edit: (t) => unlink(join(t, 'pkg/secret')), inPlace: false },
  {
    change: 'a link retargeted',
    edit: async (t) => {
      await unlink(join(t, '.bin/pkg'));
      await symlink('../elsewhere', join(t, '.bin/pkg'));
    },
    inPlace: false,
  },
  { change: 'a directory removed', edit: (t) => rm(join(t, 'pkg/lib'), { recursive: true }), inPlace: false },
];

describe('a small entry restored over its own tree', () => {
  it.each(cases)(
    'after $change: extracted only when needed, the tree the entry’s',
    async ({ edit, inPlace, extra }) => {
      const src = await mkdtemp(join(tmpdir(), 'kiln-in-place-src-'));
      await makeTree(src);
      const { bytes, entry } = await entryOf(src);
      const target = join(await mkdtemp(join(tmpdir(), 'kiln-in-place-dst-')), 'node_modules');
      const first = await extractArchive(PassThrough.from(bytes), entry, [target], IN_MEMORY);
      expect(first.inPlace).toBeUndefined();
      await edit(target);
      const again = await extractArchive(PassThrough.from(bytes), entry, [target], IN_MEMORY);
      expect(again.inPlace === true).toBe(inPlace);
      expect(again.bytes).toBe(entry.size);
      const want = await describeTree(src);
      const got = await describeTree(target);
      expect(got.filter((l) => !extra || !l.includes(` ${extra} `))).toEqual(want);
    },
  );
});
