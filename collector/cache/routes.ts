// The collector's cache endpoints (the wire is spelled in contract/cache-wire.ts): blobs stream to
// disk, the index lives in the database, and the index insert is a save's commit point.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import {
  ARCHIVE_FORMATS,
  BLOB_MEDIA_TYPE,
  CACHE_BLOBS_PATH,
  CACHE_ENTRIES_PATH,
  CacheKeyError,
  checkKey,
  isDigest,
  MAX_RESTORE_KEYS,
  type CacheEntry,
  type CommitRequest,
  type EvictionLimits,
} from '../../contract/cache/index.js';
import { RequestRejected } from '../errors.js';
import type { CollectorContext, CollectorPlugin } from '../context.js';
import { cacheAccess } from './access.js';
import { BlobDir, BlobTooLarge } from './blobs.js';
import type { CacheIndex } from './index-db.js';

export interface CacheLimits extends EvictionLimits {
  /** Largest single archive. */
  maxEntryBytes: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = {
  maxBytes: 10 * 1024 ** 3,
  maxAgeMs: 7 * 24 * 3600e3,
  maxEntryBytes: 5 * 1024 ** 3,
};
/** An uploaded blob no entry claims after this long was abandoned. */
const ORPHAN_GRACE_MS = 3600e3;

export interface CacheRouteOptions {
  /** Where blobs live on disk. */
  dir: string;
  index: CacheIndex;
  limits?: Partial<CacheLimits>;
  /** Branch whose entries every branch may read. */
  defaultBranch?: string;
  now?: () => number;
}

function key(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new RequestRejected(400, `cache ${what} is missing`);
  try {
    return checkKey(v);
  } catch (err) {
    throw new RequestRejected(400, `cache ${what}: ${(err as CacheKeyError).message}`);
  }
}

function digestParam(v: unknown, what: string): string {
  if (typeof v !== 'string' || !isDigest(v))
    throw new RequestRejected(400, `cache ${what} must be 64 lowercase hex digits (a SHA-256)`);
  return v;
}

function commitBody(body: unknown, maxEntryBytes: number): CommitRequest {
  const b = (body ?? {}) as Partial<CommitRequest>;
  const size = b.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw new RequestRejected(400, 'cache commit: size must be a byte count');
  if (size > maxEntryBytes)
    throw new RequestRejected(413, `cache commit: ${size} bytes is over the ${maxEntryBytes}-byte entry limit`);
  if (!ARCHIVE_FORMATS.includes(b.format as never))
    throw new RequestRejected(400, `cache commit: format must be one of ${ARCHIVE_FORMATS.join(', ')}`);
  return {
    key: key(b.key, 'key'),
    version: digestParam(b.version, 'version'),
    digest: digestParam(b.digest, 'digest'),
    size,
    format: b.format!,
  };
}

export function cacheRoutes(o: CacheRouteOptions): CollectorPlugin {
  const limits = { ...DEFAULT_CACHE_LIMITS, ...o.limits };
  const now = o.now ?? Date.now;
  const blobs = new BlobDir(o.dir);
  const defaultBranch = o.defaultBranch ?? 'main';

  const evict = async () => {
    for (const digest of await o.index.evict(limits, now())) {
      if (!(await o.index.referenced(digest))) await blobs.remove(digest);
    }
    await blobs.sweep((d) => o.index.referenced(d), now(), ORPHAN_GRACE_MS);
  };

  return async (app: FastifyInstance, ctx: CollectorContext) => {
    await blobs.init();
    const access = (req: Parameters<typeof cacheAccess>[0], mode: 'read' | 'write' = 'read') =>
      cacheAccess(req, { secret: ctx.secret, readerToken: ctx.readerToken, store: ctx.store, defaultBranch }, mode);

    await app.register(async (scope) => {
      // Archives are streamed to disk by the handler, never buffered by a body parser.
      scope.addContentTypeParser(BLOB_MEDIA_TYPE, (_req, payload, done) => done(null, payload));

      scope.get(CACHE_ENTRIES_PATH, { config: { repeatable: ['restore'] } }, async (req, reply) => {
        const a = await access(req);
        const q = req.query as Record<string, unknown>;
        const restore = q.restore === undefined ? [] : Array.isArray(q.restore) ? q.restore : [q.restore];
        if (restore.length > MAX_RESTORE_KEYS)
          throw new RequestRejected(400, `at most ${MAX_RESTORE_KEYS} restore keys`);
        const entry = await o.index.find(a.readable, {
          key: key(q.key, 'key'),
          version: digestParam(q.version, 'version'),
          restoreKeys: restore.map((r) => key(r, 'restore key')),
        });
        return entry ? reply.send(entry) : reply.code(204).send();
      });

      scope.put(CACHE_ENTRIES_PATH, async (req, reply) => {
        const a = await access(req, 'write');
        const c = commitBody(req.body, limits.maxEntryBytes);
        const stored = await blobs.size(c.digest);
        if (stored !== c.size) {
          throw new RequestRejected(
            400,
            `cache commit: no uploaded blob ${c.digest} of ${c.size} bytes; POST it to ${CACHE_BLOBS_PATH} first`,
          );
        }
        const entry: CacheEntry = { ...c, createdAt: now() };
        if (!(await o.index.insert(a.own, entry))) {
          return reply.code(409).send({
            error: `cache key ${JSON.stringify(c.key)} already has an entry in ${a.own.pipeline}@${a.own.branch}; entries are immutable`,
          });
        }
        await evict();
        return reply.code(201).send(entry);
      });

      scope.post(CACHE_BLOBS_PATH, { config: { streamsBody: true } }, async (req, reply) => {
        await access(req, 'write');
        if (req.headers['content-type'] !== BLOB_MEDIA_TYPE)
          throw new RequestRejected(400, `send the archive as ${BLOB_MEDIA_TYPE}`);
        const declared = Number(req.headers['content-length']);
        if (declared > limits.maxEntryBytes)
          throw new RequestRejected(
            413,
            `cache archive of ${declared} bytes is over the ${limits.maxEntryBytes}-byte entry limit`,
          );
        try {
          return reply.code(201).send(await blobs.put(req.body as Readable, limits.maxEntryBytes));
        } catch (err) {
          // An over-limit body is drained (within a bound) so the client reads the 413; after any
          // other failure the connection is not worth keeping.
          if (err instanceof BlobTooLarge)
            throw new RequestRejected(413, `${err.message}; cache less (or raise the collector's limit)`);
          reply.header('connection', 'close');
          throw err;
        }
      });

      scope.route({
        method: ['GET', 'HEAD'],
        url: `${CACHE_BLOBS_PATH}/:digest`,
        handler: async (req, reply: FastifyReply) => {
          const a = await access(req);
          const digest = digestParam((req.params as { digest: string }).digest, 'blob digest');
          const size = (await o.index.holds(a.readable, digest)) ? await blobs.size(digest) : null;
          if (size === null)
            throw new RequestRejected(404, `no cache blob ${digest} in ${a.own.pipeline}@${a.own.branch}`);
          reply.header('content-length', size).type(BLOB_MEDIA_TYPE);
          if (req.method === 'HEAD') return reply.send();
          await o.index.touch(a.readable, digest, now());
          return reply.send(blobs.open(digest));
        },
      });
    });
  };
}
