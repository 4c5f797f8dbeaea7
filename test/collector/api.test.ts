// The collector's HTTP API over loopback, on both stores: ingest, history, logs, follow, search,
// security and limits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../../collector/index.js';
import { CollectorClient } from '../../collector/client/index.js';
import { LogAck, LogBatch, PROTOBUF_MEDIA_TYPE, type ILogBatch } from '../../contract/log-wire/index.js';
import { packLines } from '../../contract/log-wire/index.js';
import type { Store } from '../../collector/store/types.js';
import { runRecord, storeFixtures, testClaims, type StoreFixture } from '../../testkit/store-fixtures.js';

function batch(run: string, from: number, n: number, eof = false, step = 'compile'): ILogBatch {
  return {
    pipelineRun: run,
    taskRun: `${run}-build`,
    steps: [
      {
        step,
        stepIndex: 0,
        eof,
        lines: Array.from({ length: n }, (_, i) => ({
          seq: from + i,
          stream: 0,
          timeMs: 1000 + i,
          data: Buffer.from(`${step} ${from + i}`),
        })),
      },
    ],
  };
}

for (const make of storeFixtures) {
  describe(`collector API: ${make.name.replace('Fixture', '')}`, () => {
    let fx: StoreFixture;
    let store: Store;
    let c: RunningCollector;
    let dir: string;
    beforeAll(async () => {
      fx = make();
      store = await fx.open();
      dir = mkdtempSync(join(tmpdir(), 'kiln-api-'));
      c = await startCollector({ db: store, stateDir: dir, limits: { logBodyBytes: 64 * 1024 } });
    });
    afterAll(async () => {
      await c?.close();
      await store?.close();
      await fx?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    const post = (body: Uint8Array | string, token?: string, type = PROTOBUF_MEDIA_TYPE) =>
      request(`${c.url}/v1/logs`, {
        method: 'POST',
        body,
        headers: {
          'content-type': type,
          accept: PROTOBUF_MEDIA_TYPE,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      });
    const get = (path: string, token: string | null = c.readerToken) =>
      request(`${c.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const enc = (b: ILogBatch) => LogBatch.encode(b).finish();

    it('ingests a protobuf batch, acks in protobuf, and a resend changes nothing', async () => {
      const token = c.mintRunToken(testClaims('run-a'));
      for (let k = 0; k < 2; k++) {
        const res = await post(enc(batch('run-a', 0, 50)), token);
        expect(res.statusCode).toBe(200);
        const ack = LogAck.decode(Buffer.from(await res.body.arrayBuffer()));
        expect(ack.steps.map((s) => [s.step, Number(s.nextSeq)])).toEqual([['compile', 50]]);
      }
      const page = (await (await get('/v1/runs/run-a/logs?limit=1000')).body.json()) as {
        lines: { seq: number; text: string }[];
        next: string | null;
      };
      expect(page.lines.map((l) => l.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(page.lines[3]).toEqual({
        task: 'run-a-build',
        step: 'compile',
        stream: 'stdout',
        seq: 3,
        time: 1003,
        text: 'compile 3',
      });
      expect(page.next).toBeNull();
    });

    it('stores packed lines (what kiln-agent sends) as it stores a message per line', async () => {
      const token = c.mintRunToken(testClaims('run-p'));
      const texts = ['plain ascii', 'ünïcode', 'a\u0000nul', '', 'last'];
      const lines = texts.map((t, i) => ({
        stream: i === 1 ? ('e' as const) : ('o' as const),
        timeMs: 2000 - i,
        data: Buffer.from(t),
      }));
      const packedBatch = (step: string, from: number, n: number, eof: boolean): ILogBatch => ({
        pipelineRun: 'run-p',
        taskRun: 'run-p-build',
        steps: [{ step, stepIndex: 0, eof, firstSeq: from, ...packLines(lines.slice(from, from + n)) }],
      });
      const ascii = (n: number) => lines.slice(0, n).map((l) => ({ ...l, data: Buffer.from(`x${l.timeMs}`) }));
      for (const b of [
        packedBatch('mixed', 0, 3, false),
        packedBatch('mixed', 0, 3, false), // a resend changes nothing
        packedBatch('mixed', 3, 2, true),
        {
          ...packedBatch('ascii', 0, 0, true),
          steps: [{ step: 'ascii', stepIndex: 1, eof: true, firstSeq: 0, ...packLines(ascii(2)) }],
        },
        {
          // packed_data, as agents before packed_lines send it: the bytes without newlines.
          ...packedBatch('old', 0, 0, true),
          steps: [
            {
              step: 'old',
              stepIndex: 2,
              eof: true,
              firstSeq: 0,
              packedData: Buffer.concat(lines.map((l) => l.data)),
              packedMeta: packLines(lines).packedMeta,
            },
            {
              step: 'old-ascii',
              stepIndex: 3,
              eof: true,
              firstSeq: 0,
              packedData: Buffer.from('x2000x1999'),
              packedMeta: packLines(ascii(2)).packedMeta,
            },
          ],
        },
      ]) {
        const res = await post(enc(b), token);
        expect(res.statusCode).toBe(200);
        await res.body.dump();
      }
      const page = (await (await get('/v1/runs/run-p/logs?limit=1000')).body.json()) as {
        lines: { step: string; seq: number; stream: string; time: number; text: string }[];
      };
      const got = page.lines.map(({ step, seq, stream, time, text }) => [step, seq, stream, time, text]);
      expect(got).toEqual([
        ...texts.map((t, i) => ['mixed', i, i === 1 ? 'stderr' : 'stdout', 2000 - i, t.replace('\u0000', '\uFFFD')]),
        ['ascii', 0, 'stdout', 2000, 'x2000'],
        ['ascii', 1, 'stderr', 1999, 'x1999'],
        ...texts.map((t, i) => ['old', i, i === 1 ? 'stderr' : 'stdout', 2000 - i, t.replace('\u0000', '\uFFFD')]),
        ['old-ascii', 0, 'stdout', 2000, 'x2000'],
        ['old-ascii', 1, 'stderr', 1999, 'x1999'],
      ]);
      const both = packedBatch('both', 0, 2, false);
      both.steps![0].lines = [{ seq: 0, data: Buffer.from('x') }];
      const bad: [ILogBatch, string][] = [
        [both, 'has both lines and packed lines'],
        [
          { ...both, steps: [{ ...packedBatch('short', 0, 2, false).steps![0], packedLines: Buffer.from('p') }] },
          'steps[0] (short): line 0 runs past the 1 bytes of packed_lines',
        ],
        [
          { ...both, steps: [{ ...packedBatch('two', 0, 2, false).steps![0], packedData: Buffer.from('p') }] },
          'steps[0] (two) has both packed_data and packed_lines',
        ],
        [
          {
            ...both,
            steps: [{ ...packedBatch('nl', 0, 1, false).steps![0], packedLines: Buffer.from('plain asciiX') }],
          },
          'steps[0] (nl): line 0 is not followed by a newline in packed_lines',
        ],
      ];
      for (const [b, message] of bad) {
        const res = await post(enc(b), token);
        expect(res.statusCode).toBe(400);
        expect(((await res.body.json()) as { error: string }).error).toContain(message);
      }
      expect((await store.logStreams('run-p')).map((s) => s.step).sort()).toEqual([
        'ascii',
        'mixed',
        'old',
        'old-ascii',
      ]);
    });

    it("refuses writes without a token, with another run's token, or a forged one", async () => {
      const before = await store.readLogs({ runId: 'run-b', limit: 10 });
      const none = await post(enc(batch('run-b', 0, 1)));
      expect(none.statusCode).toBe(401);
      const wrong = await post(enc(batch('run-b', 0, 1)), c.mintRunToken(testClaims('run-a')));
      expect(wrong.statusCode).toBe(403);
      expect(((await wrong.body.json()) as { error: string }).error).toContain('"run-a", not for run "run-b"');
      const forged = await post(
        enc(batch('run-b', 0, 1)),
        'krt2.' + Buffer.from(JSON.stringify({ run: 'run-b', pipeline: 'web-app' })).toString('base64url') + '.AAAA',
      );
      expect(forged.statusCode).toBe(401);
      const runWrong = await request(`${c.url}/v1/runs`, {
        method: 'POST',
        body: JSON.stringify(runRecord('run-b')),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${c.mintRunToken(testClaims('run-a'))}` },
      });
      expect(runWrong.statusCode).toBe(403);
      expect(await store.readLogs({ runId: 'run-b', limit: 10 })).toEqual(before);
      expect(await store.getRun('run-b')).toBeNull();
    });

    it('answers values a store cannot hold with the same 400 on both stores', async () => {
      const runToken = c.mintRunToken(testClaims('run-v'));
      const json = (method: string, path: string, body: unknown, token = runToken) =>
        request(`${c.url}${path}`, {
          method,
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        });
      const nulId = await json('POST', '/v1/runs', runRecord('run-v\u0000'), c.mintRunToken(testClaims('run-v\u0000')));
      expect(nulId.statusCode).toBe(400);
      expect(await nulId.body.text()).toContain('\\"id\\" contains a NUL character');
      expect((await json('POST', '/v1/runs', runRecord('run-v'))).statusCode).toBe(201);
      // A NUL in a result is kept, and the record's status moves on.
      const result = await json('PATCH', '/v1/runs/run-v', { status: 'Succeeded', results: { out: 'x\u0000y' } });
      expect(result.statusCode).toBe(200);
      expect(await store.getRun('run-v')).toMatchObject({ status: 'Succeeded', results: { out: 'x\u0000y' } });
      for (const path of [
        '/v1/runs/run%00v',
        '/v1/runs/run%00v/logs',
        '/v1/search?q=a%00b',
        '/v1/runs?pipeline=a%00',
      ]) {
        const res = await get(path);
        expect(res.statusCode, path).toBe(400);
        expect(await res.body.text(), path).toContain('contains a NUL character');
      }
      const bad: [string, ILogBatch, string][] = [
        ['NUL step', batch('run-v', 0, 1, false, 'st\u0000ep'), 'contains a NUL character'],
        [
          'step index',
          { ...batch('run-v', 0, 1), steps: [{ ...batch('run-v', 0, 1).steps![0], stepIndex: 2 ** 32 - 1 }] },
          'step_index 4294967295 is over',
        ],
        ['seq', batch('run-v', 2 ** 63, 1), `is over ${Number.MAX_SAFE_INTEGER}`],
      ];
      for (const [what, b, message] of bad) {
        const res = await post(enc(b), runToken);
        expect(res.statusCode, what).toBe(400);
        expect(await res.body.text(), what).toContain(message);
      }
      expect(await store.logStreams('run-v')).toEqual([]);
    });

    it('refuses a repeated query parameter with a 400 naming it', async () => {
      for (const [path, name] of [
        ['/v1/runs?pipeline=a&pipeline=b', 'pipeline'],
        ['/v1/search?q=a&q=b', 'q'],
        ['/v1/search?q=a&run=x&run=y', 'run'],
        ['/v1/runs/run-a/logs?task=a&task=b', 'task'],
      ]) {
        const res = await get(path);
        expect(res.statusCode, path).toBe(400);
        expect(((await res.body.json()) as { error: string }).error).toBe(
          `query parameter ${name} is given 2 times; give it once`,
        );
      }
    });

    it('refuses reads without the reader token', async () => {
      for (const path of ['/v1/runs', '/v1/runs/run-a', '/v1/runs/run-a/logs', '/v1/search?q=x']) {
        expect((await get(path, null)).statusCode).toBe(401);
        expect((await get(path, 'not-the-token')).statusCode).toBe(401);
      }
      expect((await get('/healthz', null)).statusCode).toBe(200);
    });

    it('refuses malformed, oversized and inconsistent batches cleanly, storing nothing', async () => {
      const token = c.mintRunToken(testClaims('run-c'));
      // A length-delimited field whose length varint is cut off.
      const garbage = await post(Buffer.from([0x12, 0x80]), token);
      expect(garbage.statusCode).toBe(400);
      expect(((await garbage.body.json()) as { error: string }).error).toMatch(/not a kiln.v1.LogBatch/);
      const big = await post(
        enc({
          ...batch('run-c', 0, 1),
          steps: [{ step: 's', stepIndex: 0, lines: [{ seq: 0, data: Buffer.alloc(70 * 1024, 120) }] }],
        }),
        token,
      );
      expect(big.statusCode).toBe(413);
      const gap = batch('run-c', 0, 3);
      gap.steps![0].lines![2].seq = 7;
      const gapRes = await post(enc(gap), token);
      expect(gapRes.statusCode).toBe(400);
      expect(((await gapRes.body.json()) as { error: string }).error).toContain('contiguous');
      const json = await post('{"lines":[]}', token, 'application/json');
      expect(json.statusCode).toBe(400);
      expect(await store.logStreams('run-c')).toEqual([]);
    });

    it('stores run records, patches them, and pages history newest first', async () => {
      const client = new CollectorClient(c.url, c.readerToken);
      for (let i = 0; i < 5; i++) {
        const id = `hist-${i}`;
        await client.postRun(
          runRecord(id, { startedAt: new Date(1_800_000_000_000 + i * 1000).toISOString() }),
          c.mintRunToken(testClaims(id)),
        );
      }
      await client.patchRun({ id: 'hist-2', status: 'Failed', reason: 'exit 1' }, c.mintRunToken(testClaims('hist-2')));
      expect(await client.getRun('hist-2')).toMatchObject({
        id: 'hist-2',
        status: 'Failed',
        reason: 'exit 1',
        params: { revision: 'main' },
      });
      const p1 = await client.listRuns({ limit: 2 });
      const p2 = await client.listRuns({ limit: 2, cursor: p1.next! });
      expect([...p1.runs, ...p2.runs].map((r) => r.id)).toEqual(['hist-4', 'hist-3', 'hist-2', 'hist-1']);
      expect((await client.listRuns({ status: 'Failed' })).runs.map((r) => r.id)).toEqual(['hist-2']);
      const bad = await request(`${c.url}/v1/runs`, {
        method: 'POST',
        body: JSON.stringify({ ...runRecord('x'), status: 'Weird' }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${c.mintRunToken(testClaims('x'))}` },
      });
      expect(bad.statusCode).toBe(400);
      expect(((await bad.body.json()) as { error: string }).error).toContain('"status" must be one of');
      // A PATCH of a whole record whose POST was lost creates it; a partial one for an unknown run is a 404.
      await client.patchRun(runRecord('hist-lost', { status: 'Succeeded' }), c.mintRunToken(testClaims('hist-lost')));
      expect(await client.getRun('hist-lost')).toMatchObject({ status: 'Succeeded' });
      await expect(
        client.patchRun({ id: 'hist-none', status: 'Failed' }, c.mintRunToken(testClaims('hist-none'))),
      ).rejects.toThrow('answered 404');
      expect((await get('/v1/runs?cursor=garbage')).statusCode).toBe(400);
      expect((await get('/v1/runs?limit=0')).statusCode).toBe(400);
    });

    it('follows a step over SSE until its eof, and searches', async () => {
      const client = new CollectorClient(c.url, c.readerToken);
      const token = c.mintRunToken(testClaims('run-f'));
      await client.postRun(runRecord('run-f'), token);
      await post(enc(batch('run-f', 0, 3, false, 'watch')), token);
      const seen: string[] = [];
      const following = (async () => {
        for await (const l of client.followLogs('run-f', { step: 'watch' })) seen.push(l.text);
      })();
      await post(enc(batch('run-f', 3, 2, false, 'watch')), token);
      await post(enc(batch('run-f', 5, 1, true, 'watch')), token);
      await following;
      expect(seen).toEqual(Array.from({ length: 6 }, (_, i) => `watch ${i}`));
      // A whole run: two steps written alternately are both followed, to the run's end.
      const both: string[] = [];
      const whole = (async () => {
        for await (const l of client.followLogs('run-f', {})) both.push(l.text);
      })();
      await post(enc(batch('run-f', 0, 2, false, 'left')), token);
      await post(enc(batch('run-f', 0, 2, false, 'right')), token);
      await post(enc(batch('run-f', 2, 1, true, 'left')), token);
      await post(enc(batch('run-f', 2, 1, true, 'right')), token);
      await client.patchRun({ id: 'run-f', status: 'Succeeded' }, token);
      await whole;
      expect(both.filter((t) => !t.startsWith('watch')).sort()).toEqual([
        'left 0',
        'left 1',
        'left 2',
        'right 0',
        'right 1',
        'right 2',
      ]);
      expect(both.filter((t) => t.startsWith('watch'))).toEqual(seen);
      const hits = await client.search('WATCH 4', 'run-f');
      expect(hits.map((h) => [h.run, h.step, h.seq])).toEqual([['run-f', 'watch', 4]]);
    });

    it('counts what it ingests in /metrics, for the reader token only', async () => {
      const anonymous = await get('/metrics', null);
      expect(anonymous.statusCode).toBe(401);
      await anonymous.body.dump();
      const text = await (await get('/metrics')).body.text();
      expect(text).toMatch(/kiln_collector_ingest_lines_total \d+/);
      expect(Number(/kiln_collector_ingest_batches_total (\d+)/.exec(text)![1])).toBeGreaterThanOrEqual(5);
      expect(text).toMatch(/kiln_collector_errors_total\{status="403"\} [1-9]/);
      expect(text).toContain('kiln_collector_store_seconds_bucket');
    });
  });
}
