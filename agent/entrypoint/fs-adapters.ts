// Real-file-system adapters of the entrypoint's AgentFs and PostWriter ports. Synchronous on
// purpose: they sit on the hand-off path between one step and the next, and a blocking write of a
// few bytes is faster than a round trip through libuv's thread pool (the agent has nothing else
// to do meanwhile).
import {
  closeSync,
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

function openWithParents(path: string): number {
  try {
    return openSync(path, 'r+'); // in place: the blocks it has stay its own on a full disk
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  return openSync(path, 'w');
}

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
};

/** The post file and its twin are empty: creating one needs an inode, no data block, so it works on a full disk. */
export const nodePostWriter: PostWriter = {
  writePost: async (postFile, ok) => {
    const path = ok ? postFile : postFile + ERR_SUFFIX;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '');
  },
};
