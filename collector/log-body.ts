// POST /v1/logs bodies, read into buffers that the route gives back once it has stored the batch,
// rather than gathered and concatenated into a new buffer per request (Fastify's parseAs
// 'buffer'). A log proxy sends 4 MiB batches one after another: a new 4 MiB buffer per batch was
// memory the kernel had to fault in and zero, and with the socket's own chunks it doubled the
// external memory per batch, which sets the pace of V8's full collections (perf of the collector
// over bench/logs-e2e.bench.ts's 64 MB: page faults ≈ 10 % of its CPU, V8's GC threads ≈ 15 %).
import type { IncomingMessage } from 'node:http';
import { RequestRejected } from './errors.js';

/** Pooled buffers are made in whole MiB, so batches of slightly different sizes share them. */
const ROUND = 1024 * 1024;

export class BodyPool {
  private readonly free: Buffer[] = [];
  /** The memory the pool made (each owns its whole ArrayBuffer): only those come back. */
  private readonly made = new WeakSet<ArrayBufferLike>();

  constructor(private readonly keep = 2) {}

  /** `size` bytes to fill, from a free buffer when one is large enough. */
  take(size: number): Buffer {
    const i = this.free.findIndex((b) => b.length >= size);
    if (i !== -1) return this.free.splice(i, 1)[0]!.subarray(0, size);
    const whole = Buffer.allocUnsafeSlow(Math.ceil(Math.max(size, 1) / ROUND) * ROUND);
    this.made.add(whole.buffer);
    return whole.subarray(0, size);
  }

  /** Gives back a body take() made; its bytes must no longer be used. Anything else is left to the GC. */
  give(body: unknown): void {
    if (!Buffer.isBuffer(body) || !this.made.has(body.buffer)) return;
    this.made.delete(body.buffer); // given back once, whatever the caller does next
    const whole = Buffer.from(body.buffer, 0, body.buffer.byteLength);
    if (this.free.length < this.keep) {
      this.made.add(whole.buffer);
      this.free.push(whole);
      return;
    }
    // Full: the larger buffer stays. Keeping the first ones given back, the pool held on to the
    // small bodies of a flood's first batches (a spool the proxy had just begun to read) and then
    // missed every full batch after them: a new buffer per request, and the external memory that
    // sets off V8's full collections (the collector's CPU per 64 MB of logs 170-200 ms in one
    // process, 300-360 ms in another: bench/logs-e2e.bench.ts, --trace-gc).
    const smallest = this.free.reduce((min, b, k) => (b.length < this.free[min]!.length ? k : min), 0);
    if (this.free[smallest]!.length >= whole.length) return;
    this.made.add(whole.buffer);
    this.free[smallest] = whole;
  }
}

/**
 * The body of `req` (at most `limit` bytes) in one buffer: a pooled one when it declares its
 * length, as the log proxy does; gathered and concatenated otherwise (chunked).
 */
export function readBody(req: IncomingMessage, limit: number, pool: BodyPool, tooLarge: string): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(new RequestRejected(413, tooLarge));
  const sized = Number.isSafeInteger(declared) && declared >= 0;
  const chunks: Buffer[] = [];
  const body = sized ? pool.take(declared) : null;
  let length = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const finish = (err: Error | null) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) {
        pool.give(body);
        reject(err);
      } else resolve(body ?? Buffer.concat(chunks, length));
    };
    const onData = (chunk: Buffer) => {
      if (length + chunk.length > (body ? body.length : limit)) {
        req.pause();
        return finish(
          body
            ? new RequestRejected(400, 'the body is longer than its content-length')
            : new RequestRejected(413, tooLarge),
        );
      }
      if (body) chunk.copy(body, length);
      else chunks.push(chunk);
      length += chunk.length;
    };
    const onEnd = () =>
      finish(
        body && length !== body.length
          ? new RequestRejected(400, `the body has ${length} bytes; its content-length says ${body.length}`)
          : null,
      );
    // The client went away: a 400 nobody may read, not a server error to log.
    const onClose = () => finish(new RequestRejected(400, 'the request ended before its body did'));
    const onError = (err: Error) =>
      finish(new RequestRejected(400, `the request ended before its body did (${err.message})`));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}
