// Fakes of every port of the entrypoint's core, shared by its unit tests.
import { createHash } from 'node:crypto';
import { AgentIOError, ResultNotStoredError } from '../../../agent/errors.js';
import {
  runEntrypoint,
  type EntrypointPorts,
  type RunOutcome,
  type WaitOutcome,
} from '../../../agent/entrypoint/core.js';
import { parseEntrypointArgs } from '../../../agent/entrypoint/options.js';

export interface World {
  waits?: Record<string, WaitOutcome>;
  run?: RunOutcome;
  files?: Record<string, string>;
  /** A result store (the collector) is given; `down` makes every put fail. */
  store?: { down?: boolean };
  /** Paths whose writes (and reservation) fail with this error code, e.g. ENOSPC. */
  failing?: Record<string, string>;
  /** The file system holding the results has no free block left. */
  fullFs?: boolean;
  /** The runner's prepare (the spool) fails with this error. */
  prepareFails?: AgentIOError;
}

function ioFailure(world: World, path: string): void {
  const code = world.failing?.[path];
  if (code) throw Object.assign(new Error(`${code}: failed, write '${path}'`), { code });
}

/** Fakes of every port, recording each effect in order in `events`. */
export function fakes(world: World) {
  const events: string[] = [];
  const files = new Map(Object.entries(world.files ?? {}));
  const warnings: string[] = [];
  const ports: EntrypointPorts = {
    waiter: {
      async waitFor(path, { content }) {
        events.push(`wait ${path}${content ? ' (content)' : ''}`);
        return world.waits?.[path] ?? 'ready';
      },
    },
    runner: {
      async prepare() {
        events.push('prepare');
        if (world.prepareFails) throw world.prepareFails;
      },
      async run(req) {
        events.push(`run ${req.command.join(' ')} timeout=${req.timeoutMs ?? '-'}`);
        return world.run ?? { exitCode: 0, timedOut: false };
      },
    },
    post: {
      async writePost(path, ok) {
        const target = ok ? path : path + '.err';
        ioFailure(world, target);
        events.push(`post ${target}`);
      },
    },
    fs: {
      async readBounded(path, limit) {
        if (path.endsWith('/unreadable')) throw new Error('EISDIR: illegal operation on a directory, read');
        const text = files.get(path);
        if (text === undefined) return null;
        const size = Buffer.byteLength(text);
        return size > limit ? { size } : { size, text, ...(size === 0 && world.fullFs && { fsFull: true }) };
      },
      async writeFile(path, data) {
        ioFailure(world, path);
        events.push(`write ${path}`);
        files.set(path, data);
      },
      async reserve(path) {
        ioFailure(world, path);
        events.push(`reserve ${path}`);
      },
      async makeDir(path) {
        ioFailure(world, path);
        events.push(`mkdir ${path}`);
      },
    },
    clock: { now: () => new Date('2026-01-02T03:04:05.000Z') },
    warn: (m) => warnings.push(m),
  };
  const stored = new Map<string, string>();
  if (world.store) {
    ports.results = {
      async put(name, value) {
        events.push(`store ${name}`);
        if (world.store!.down)
          throw new ResultNotStoredError(name, Buffer.byteLength(value), 'http://c/r', new Error('ECONNREFUSED'));
        stored.set(name, value);
        return { name, size: Buffer.byteLength(value), sha256: createHash('sha256').update(value).digest('hex') };
      },
    };
  }
  return { ports, events, files, warnings, stored };
}

export const BASE = [
  '-post_file',
  '/k/run/1/out',
  '-termination_path',
  '/k/term',
  '-step_metadata_dir',
  '/k/run/1/status',
  '-results_dir',
  '/k/results',
];

export async function runWith(flags: string[], world: World) {
  const f = fakes(world);
  const result = await runEntrypoint(parseEntrypointArgs([...BASE, ...flags, '--', 'make', 'all']), f.ports);
  const text = f.files.get('/k/term');
  const termination = (text === undefined ? [] : JSON.parse(text)) as { key: string; value: string; type: number }[];
  return { ...f, result, termination, exitCodeFile: f.files.get('/k/run/1/status/exitCode') };
}
