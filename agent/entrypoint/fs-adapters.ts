// Real-file-system adapters of the entrypoint's AgentFs and PostWriter ports. Synchronous on
// purpose: they sit on the hand-off path between one step and the next, and a blocking write of a
// few bytes is faster than a round trip through libuv's thread pool (the agent has nothing else
// to do meanwhile).
import { closeSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ERR_SUFFIX } from '../../contract/index.js';
import type { AgentFs, PostWriter } from './core.js';

function writeWithParents(path: string, data: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

function readBounded(path: string, limit: number): { size: number; text?: string } | null {
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
    return { size: bytesRead, text: buf.subarray(0, bytesRead).toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

export const nodeAgentFs: AgentFs = {
  readBounded: async (path, limit) => readBounded(path, limit),
  writeFile: async (path, data) => writeWithParents(path, data),
};

export const nodePostWriter: PostWriter = {
  writePost: async (postFile, ok) => writeWithParents(ok ? postFile : postFile + ERR_SUFFIX, ''),
};
