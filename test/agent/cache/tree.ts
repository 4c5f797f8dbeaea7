// Test helpers: build a small dependency-like tree and describe one completely (contents, modes,
// symlink targets, file mtimes) so two trees can be compared byte for byte.
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export async function makeTree(root: string, seed = 'a'): Promise<void> {
  await mkdir(join(root, 'pkg/lib/deep/er'), { recursive: true });
  await writeFile(join(root, 'pkg/package.json'), JSON.stringify({ name: 'pkg', seed }));
  await writeFile(join(root, 'pkg/lib/index.js'), `module.exports = ${JSON.stringify(seed)};\n`);
  await writeFile(
    join(root, 'pkg/lib/deep/er/blob.bin'),
    Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + seed.charCodeAt(0)) & 255)),
  );
  await writeFile(join(root, 'pkg/cli.js'), '#!/usr/bin/env node\nconsole.log(1)\n');
  await chmod(join(root, 'pkg/cli.js'), 0o755);
  await writeFile(join(root, 'pkg/secret'), 'x');
  await chmod(join(root, 'pkg/secret'), 0o600);
  await writeFile(join(root, 'pkg/group-writable'), 'g');
  await chmod(join(root, 'pkg/group-writable'), 0o664);
  await writeFile(join(root, `pkg/${'long-name-'.repeat(12)}.txt`), 'a name over 100 bytes needs a pax header');
  await rm(join(root, '.bin'), { recursive: true, force: true });
  await mkdir(join(root, '.bin'));
  await symlink('../pkg/cli.js', join(root, '.bin/pkg'));
  await symlink('does-not-exist', join(root, '.bin/dangling'));
  await writeFile(join(root, 'empty'), '');
  const old = new Date('2021-03-04T05:06:07Z');
  await utimes(join(root, 'pkg/lib/index.js'), old, old);
}

/** One line per path: type, mode, mtime (files, whole seconds: tar keeps seconds), and content hash or link target. */
export async function describeTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const name of (await readdir(join(root, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(root, r));
      if (st.isSymbolicLink()) out.push(`L ${r} -> ${await readlink(join(root, r))}`);
      else if (st.isDirectory()) {
        out.push(`D ${r} ${(st.mode & 0o7777).toString(8)}`);
        await walk(r);
      } else {
        const sha = createHash('sha256')
          .update(await readFile(join(root, r)))
          .digest('hex')
          .slice(0, 16);
        out.push(`F ${r} ${(st.mode & 0o7777).toString(8)} ${Math.floor(st.mtimeMs / 1000)} ${sha}`);
      }
    }
  };
  await walk('');
  return out;
}
