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

// The packed lines and the hand framing live in the contract room, which loads no module: the log
// proxy uses them without loading protobufjs.
export {
  frameLogBatch,
  LogAckError,
  PROTOBUF_MEDIA_TYPE,
  readLogAck,
  type FramedStep,
  packLines,
  PackedLinesError,
  PackedLinesWriter,
  unpackTable,
  type PackableLine,
  type PackedLines,
  type PackedTable,
} from '../index.js';
