// contract/: what two parts agree on, and nothing else. Every part may import it; it imports no
// part. The agent↔collector log wire (protobuf) has its own face, contract/log-wire/, so that a
// step's entrypoint, which imports this one, never loads protobufjs.
export * from './agent-argv.js';
export * from './cache-entry.js';
export * from './cache-eviction.js';
export * from './cache-key.js';
export * from './cache-report.js';
export * from './cache-spec.js';
export * from './cache-wire.js';
export * from './duration.js';
export * from './errors.js';
export * from './pod-layout.js';
export type * from './record.js';
export * from './results-api.js';
export * from './run-token.js';
export * from './termination.js';
