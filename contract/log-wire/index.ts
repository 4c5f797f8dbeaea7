// The agent↔collector wire format, generated from kiln.proto (see scripts/gen-proto.mjs).
import './plain-numbers.js';
import { kiln } from './gen/kiln.js';

export const LogBatch = kiln.v1.LogBatch;
export const LogAck = kiln.v1.LogAck;
export const Stream = kiln.v1.Stream;
export type ILogBatch = kiln.v1.ILogBatch;
export type ILogAck = kiln.v1.ILogAck;
export type IStepLogs = kiln.v1.IStepLogs;
export type ILogLine = kiln.v1.ILogLine;

/** Media type of a protobuf body on POST /v1/logs. */
export const PROTOBUF_MEDIA_TYPE = 'application/x-protobuf';
export {
  packLines,
  PackedLinesError,
  PackedLinesWriter,
  unpackTable,
  type PackableLine,
  type PackedLines,
  type PackedTable,
} from './packed.js';
