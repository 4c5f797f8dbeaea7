// contract/: what two parts agree on, and nothing else. Every part may import it; it imports no
// part, and no Node module: every step's entrypoint loads it. Two agreements that need heavier
// modules have faces of their own, loaded only where used: contract/cache/ (node:crypto) and
// contract/log-wire/ (protobufjs).
export * from './agent-argv.js';
export * from './approval.js';
export * from './cache-report.js';
export * from './cache-spec.js';
export * from './duration.js';
export * from './errors.js';
export * from './listen.js';
export * from './pod-layout.js';
export * from './in-place-record.js';
export type * from './record.js';
export { reasonText } from './record.js';
export * from './results-api.js';
export * from './run-labels.js';
export * from './terminal-text.js';
export * from './termination.js';
export * from './varint.js';
export * from './log-packed.js';
export * from './log-frame.js';
export * from './host-runner.js';
