// Real-file-system adapters of the entrypoint's AgentFs and PostWriter ports. Synchronous on
// purpose: they sit on the hand-off path between one step and the next, and a blocking write of a
// few bytes is faster than a round trip through libuv's thread pool (the agent has nothing else
// to do meanwhile).
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  statfsSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { ERR_SUFFIX } from '../../contract/index.js';
import { AgentIOError } from '../errors.js';
import type { AgentFs, PostWriter } from './core.js';

/**
 * Runs `effect`, creating the parent directories first only when it fails for want of them: on the
 * hand-off path, a thrown ENOENT and a mkdir cost more than the write itself.
 */
function withParents<T>(path: string, effect: () => T): T {
  try {
    return effect();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  return effect();
}

/** Opened in place when it exists (its blocks stay its own on a full disk), created when not. */
const openWithParents = (path: string): number =>
  withParents(path, () => openSync(path, constants.O_RDWR | constants.O_CREAT, 0o666));

function writeInPlace(path: string, data: string): void {
  const bytes = Buffer.from(data);
  const fd = openWithParents(path);
  try {
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at, at);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}

function reserve(path: string, bytes: number): void {
  const fd = openWithParents(path);
  try {
    // Blanks: a message cut short by the agent's death reads as no message, as an empty file does.
    if (fstatSync(fd).size < bytes) writeSync(fd, Buffer.alloc(bytes, ' '), 0, bytes, 0);
  } finally {
    closeSync(fd);
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

export const nodeAgentFs: AgentFs = {
  readBounded: async (path, limit) => readBounded(path, limit),
  writeFile: async (path, data) => writeInPlace(path, data),
  reserve: async (path, bytes) => reserve(path, bytes),
  makeDir: async (path) => void mkdirSync(path, { recursive: true }),
};

/** The post file and its twin are empty: creating one needs an inode, no data block, so it works on a full disk. */
export const nodePostWriter: PostWriter = {
  writePost: async (postFile, ok) => {
    const path = ok ? postFile : postFile + ERR_SUFFIX;
    withParents(path, () => writeFileSync(path, ''));
  },
};
