// Test helper: decodes a whole spool file into records, strictly (any malformed byte throws).
import { parseSpoolHeader, type SpoolStream } from '../../contract/index.js';

export interface DecodedRecord {
  stream: SpoolStream;
  timeMs: number;
  payload: Buffer;
}

export function decodeSpool(data: Buffer): DecodedRecord[] {
  const records: DecodedRecord[] = [];
  let pos = 0;
  while (pos < data.length) {
    const nl = data.indexOf(0x0a, pos);
    if (nl === -1) throw new Error(`spool: header without newline at byte ${pos}`);
    const header = parseSpoolHeader(data.subarray(pos, nl).toString('latin1'));
    if (!header)
      throw new Error(`spool: bad header at byte ${pos}: ${JSON.stringify(data.subarray(pos, nl).toString())}`);
    const start = nl + 1;
    const end = start + header.length;
    if (data[end] !== 0x0a) throw new Error(`spool: record at byte ${pos} is not followed by a newline`);
    records.push({ stream: header.stream, timeMs: header.timeMs, payload: data.subarray(start, end) });
    pos = end + 1;
  }
  return records;
}
