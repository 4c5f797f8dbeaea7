// The file operations the entrypoint's adapters are written against, in two kinds. Blocking, for
// `kiln-agent entrypoint`: one step per process, with nothing else to do meanwhile, and a blocking
// write of a few bytes is faster than a round trip through libuv's thread pool. Threaded, for
// `kiln-agent host`: many steps of many task runs share its one event loop, and on a busy disk each
// file created waits milliseconds on the journal — blocking, every step's set-up and hand-off
// queued behind every other's (most of a 20-task fan-out's time); threaded, the waits overlap.
import {
  close,
  closeSync,
  fstat,
  fstatSync,
  ftruncate,
  ftruncateSync,
  mkdir,
  mkdirSync,
  open,
  openSync,
  write,
  writeFile,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { promisify } from 'node:util';

export interface FileOps {
  open(path: string, flags: number | string, mode?: number): number | Promise<number>;
  write(fd: number, data: Buffer, offset: number, length: number, position: number | null): number | Promise<number>;
  ftruncate(fd: number, length: number): void | Promise<void>;
  fstat(fd: number): { size: number } | Promise<{ size: number }>;
  close(fd: number): void | Promise<void>;
  mkdir(path: string): unknown;
  writeFile(path: string, data: string): void | Promise<void>;
}

export const blockingOps: FileOps = {
  open: openSync,
  write: writeSync,
  ftruncate: ftruncateSync,
  fstat: fstatSync,
  close: closeSync,
  mkdir: (path) => mkdirSync(path, { recursive: true }),
  writeFile: writeFileSync,
};

const writeAsync = promisify(write);
const mkdirAsync = promisify(mkdir);

export const threadedOps: FileOps = {
  open: promisify(open),
  write: async (fd, data, offset, length, position) =>
    (await writeAsync(fd, data, offset, length, position)).bytesWritten,
  ftruncate: promisify(ftruncate),
  fstat: promisify(fstat),
  close: promisify(close),
  mkdir: (path) => mkdirAsync(path, { recursive: true }),
  writeFile: promisify(writeFile),
};
