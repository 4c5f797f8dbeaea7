// Imported by log-wire.ts before the generated code, which reads util.Long as it loads (field
// defaults): seq and time_ms stay below 2^53, so uint64 fields are plain numbers, not Long objects
// (whose conversion was the collector's largest ingest cost after SQLite).
import $protobuf from 'protobufjs/minimal.js';

$protobuf.util.Long = undefined as unknown as typeof $protobuf.util.Long;
$protobuf.configure();
