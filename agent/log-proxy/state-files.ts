// The small files the proxy rewrites after every ack: each step's acked position (for a restarted
// proxy) and its spool gate (for the entrypoint). Each is made whole the first time (a temporary
// file renamed into place: no reader ever sees it empty) and then rewritten in place through a
// descriptor kept open, as a record of contract/in-place-record.ts (why: there). Synchronous: a
// few bytes, and the proxy reads nothing further until they are written.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { decodeInPlaceRecord, encodeInPlaceRecord } from '../../contract/index.js';
import type { StepPosition } from './core.js';
import { replaceFile } from '../replace-file.js';

export class InPlaceFiles {
  private readonly open = new Map<string, number>();

  /** Writes `text` (always the same length for a file) as the whole of `file`. */
  write(file: string, text: string): void {
    const fd = this.open.get(file);
    if (fd === undefined) {
      replaceFile(file, text);
      this.open.set(file, openSync(file, 'r+'));
      return;
    }
    const bytes = Buffer.from(text, 'latin1');
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at, at);
  }

  remove(file: string): void {
    this.forget(file);
    rmSync(file, { force: true });
  }

  closeAll(): void {
    for (const file of [...this.open.keys()]) this.forget(file);
  }

  private forget(file: string): void {
    const fd = this.open.get(file);
    if (fd === undefined) return;
    this.open.delete(file);
    closeSync(fd);
  }
}

export const positionText = (p: StepPosition): string => encodeInPlaceRecord([p.offset, p.seq, p.eof ? 1 : 0]);

/**
 * The position a position file holds; null when it holds none (missing, damaged, or written half
 * when the proxy stopped): the proxy then ships the spool from its start, and the collector drops
 * the lines it already has.
 */
export function readPositionFile(file: string): StepPosition | null {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return null;
  }
  const fields = decodeInPlaceRecord(text);
  if (fields === null || fields === 'torn' || fields.length !== 3 || fields[2] > 1) return null;
  return { offset: fields[0], seq: fields[1], eof: fields[2] === 1 };
}
