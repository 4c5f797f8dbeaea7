// The dependency cache's wire (a contract face of its own): the collector's cache endpoints and
// their bodies, what makes a key usable, how an entry is chosen for a key and restore keys, what
// eviction removes, and the digest every blob is checked against. The agent loads it only when a
// step has a cache, the collector to serve one; it needs node:crypto, which a step's start skips.
export * from './entry.js';
export * from './eviction.js';
export * from './key.js';
export * from './wire.js';
