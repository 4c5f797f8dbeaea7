// Real-file-system adapters of the entrypoint's AgentFs and PostWriter ports, over blocking or
// threaded file operations (file-ops.ts says which process uses which, and why).
import { closeSync, constants, fstatSync, openSync, readSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ERR_SUFFIX } from '../../contract/index.js';
import { AgentIOError } from '../errors.js';
import type { AgentFs, PostWriter } from './core.js';
import type { FileOps } from './file-ops.js';

/**
 * Runs `effect`, creating the parent directories first only when it fails for want of them: on the
 * hand-off path, a thrown ENOENT and a mkdir cost more than the write itself.
 */
export async function withParents<T>(ops: FileOps, path: string, effect: () => T | Promise<T>): Promise<T> {
  try {
    return await effect();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await ops.mkdir(dirname(path));
  return effect();
}

/** Opened in place when it exists (its blocks stay its own on a full disk), created when not. */
const openWithParents = (ops: FileOps, path: string): Promise<number> =>
  withParents(ops, path, () => ops.open(path, constants.O_RDWR | constants.O_CREAT, 0o666));

async function writeInPlace(ops: FileOps, path: string, data: string): Promise<void> {
  const bytes = Buffer.from(data);
  const fd = await openWithParents(ops, path);
  try {
    for (let at = 0; at < bytes.length;) at += await ops.write(fd, bytes, at, bytes.length - at, at);
    await ops.ftruncate(fd, bytes.length);
  } finally {
    await ops.close(fd);
  }
}

async function reserve(ops: FileOps, path: string, bytes: number): Promise<void> {
  const fd = await openWithParents(ops, path);
  try {
    // Blanks: a message cut short by the agent's death reads as no message, as an empty file does.
    if ((await ops.fstat(fd)).size < bytes) await ops.write(fd, Buffer.alloc(bytes, ' '), 0, bytes, 0);
  } finally {
    await ops.close(fd);
  }
}

function fileSystemFull(path: string): boolean {
  try {
    return statfsSync(path).bavail === 0;
  } catch {
    return false;
  }
}

function readBounded(path: string, limit: number): { size: number; text?: string; fsFull?: boolean } | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const { size } = fstatSync(fd);
    if (size > limit) return { size };
    // One byte past the limit: the file may grow between the stat and the read.
    const buf = Buffer.alloc(limit + 1);
    const bytesRead = readSync(fd, buf, 0, limit + 1, 0);
    if (bytesRead > limit) return { size: bytesRead };
    if (bytesRead < size) {
      throw new AgentIOError('reading', path, 'SHORT_READ', `${bytesRead} of its ${size} bytes could be read`);
    }
    const text = buf.subarray(0, bytesRead).toString('utf8');
    return { size: bytesRead, text, ...(bytesRead === 0 && fileSystemFull(path) && { fsFull: true }) };
  } finally {
    closeSync(fd);
  }
}

/** Results are read rarely (only the ones a step declares): blocking for both kinds. */
export function agentFs(ops: FileOps): AgentFs {
  return {
    readBounded: async (path, limit) => readBounded(path, limit),
    writeFile: (path, data) => writeInPlace(ops, path, data),
    reserve: (path, bytes) => reserve(ops, path, bytes),
    makeDir: async (path) => void (await ops.mkdir(path)),
  };
}

/** The post file and its twin are empty: creating one needs an inode, no data block, so it works on a full disk. */
export function postWriter(ops: FileOps): PostWriter {
  return {
    writePost: async (postFile, ok) => {
      const path = ok ? postFile : postFile + ERR_SUFFIX;
      await withParents(ops, path, () => ops.writeFile(path, ''));
    },
  };
}
