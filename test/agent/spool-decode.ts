// Test helper: decodes a whole spool file into its lines, strictly (any malformed byte throws).
import { parseSpoolHeader, type SpoolStream } from '../../contract/index.js';

export interface DecodedLine {
  stream: SpoolStream;
  timeMs: number;
  /** The line without its newline. */
  payload: Buffer;
  /** Index of the record holding it. */
  record: number;
}

export function decodeSpool(data: Buffer): DecodedLine[] {
  const lines: DecodedLine[] = [];
  let pos = 0;
  for (let record = 0; pos < data.length; record++) {
    const nl = data.indexOf(0x0a, pos);
    if (nl === -1) throw new Error(`spool: header without newline at byte ${pos}`);
    const header = parseSpoolHeader(data.subarray(pos, nl).toString('latin1'));
    if (!header)
      throw new Error(`spool: bad header at byte ${pos}: ${JSON.stringify(data.subarray(pos, nl).toString())}`);
    const end = nl + 1 + header.length;
    if (end > data.length || data[end - 1] !== 0x0a)
      throw new Error(`spool: record at byte ${pos} does not end with a newline`);
    for (let at = nl + 1; at < end;) {
      const lineEnd = data.indexOf(0x0a, at);
      lines.push({ stream: header.stream, timeMs: header.timeMs, payload: data.subarray(at, lineEnd), record });
      at = lineEnd + 1;
    }
    pos = end;
  }
  return lines;
}
