// Following a log across a collector restart: the SSE stream's ids let a follower resume where it
// was, and `kiln logs -f` reconnects by itself. A real collector process, SIGKILLed and restarted
// on the same port and database.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../collector/index.js';
import { CollectorClient } from '../../collector/client/index.js';
import { LogBatch, PROTOBUF_MEDIA_TYPE } from '../../contract/log-wire/index.js';
import { CollectorProcess, exited, KILN, requireBuild, startCollectorIn } from '../../testkit/log-proxy-pod.js';
import { runRecord, testClaims } from '../../testkit/store-fixtures.js';

const numbered = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `line ${from + i}`);

describe('following across a collector restart', () => {
  let dir: string;
  let collector: CollectorProcess;

  const send = async (run: string, first: number, texts: string[], eof: boolean) => {
    const body = LogBatch.encode({
      pipelineRun: run,
      taskRun: `${run}-t`,
      steps: [
        {
          step: 'a',
          stepIndex: 0,
          eof,
          lines: texts.map((t, i) => ({ seq: first + i, stream: 0, timeMs: 1, data: Buffer.from(t) })),
        },
      ],
    }).finish();
    const res = await request(`${collector.url}/v1/logs`, {
      method: 'POST',
      body,
      headers: { 'content-type': PROTOBUF_MEDIA_TYPE, authorization: `Bearer ${collector.runToken(run)}` },
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
  };
  const startRun = (run: string) => new CollectorClient(collector.url).postRun(runRecord(run), collector.runToken(run));
  const finishRun = (run: string) =>
    new CollectorClient(collector.url).patchRun(
      { id: run, status: 'Succeeded', finishedAt: new Date().toISOString() },
      collector.runToken(run),
    );
  const follow = (run: string, lastEventId?: string) =>
    request(`${collector.url}/v1/runs/${run}/logs?follow=1`, {
      headers: {
        authorization: `Bearer ${collector.readerToken}`,
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
    });

  beforeAll(async () => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'kiln-follow-'));
    collector = await startCollectorIn(dir);
  });
  afterAll(async () => {
    if (collector.proc && collector.proc.exitCode === null) await collector.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes an SSE follow from its Last-Event-ID, and refuses a forged one', async () => {
    await startRun('r-sse');
    await send('r-sse', 0, numbered(0, 300), false);
    const first = await follow('r-sse');
    let text = '';
    for await (const chunk of first.body) {
      text += chunk;
      if (text.includes('line 299')) break; // the whole first page is here, with its id
    }
    first.body.destroy();
    const id = /^id: (.+)$/m.exec(text)![1];

    await send('r-sse', 300, numbered(300, 310), true);
    await finishRun('r-sse');
    const resumed = await (await follow('r-sse', id)).body.text();
    const lines = [...resumed.matchAll(/^data: (\{"task.*)$/gm)].map(
      (m) => (JSON.parse(m[1]) as { text: string }).text,
    );
    expect(lines).toEqual(numbered(300, 310));
    expect(resumed).toMatch(/event: end\n/);

    const forged = await follow('r-sse', 'not-a-cursor');
    expect(forged.statusCode).toBe(400);
    expect(await forged.body.text()).toContain('Last-Event-ID');
  });

  it('`kiln logs -f` reconnects after the collector is killed and prints every line once', async () => {
    await startRun('r-cli');
    await send('r-cli', 0, numbered(0, 200), false);
    const p = spawn(
      process.execPath,
      [KILN, 'logs', 'r-cli', '-f', '--raw', '--collector', collector.url, '--token', collector.readerToken],
      { env: { ...process.env, KILN_COLLECTOR: '', KILN_TOKEN: '' } },
    );
    let out = '';
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    // Resolves once the follower has printed the first 200 lines.
    await new Promise<void>((resolve) =>
      p.stdout.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('line 199\n')) resolve();
      }),
    );

    await collector.kill();
    await collector.start();
    await send('r-cli', 200, numbered(200, 400), true);
    await finishRun('r-cli');

    expect(await exited(p)).toBe(0);
    expect(out).toBe(
      numbered(0, 400)
        .map((l) => `${l}\n`)
        .join(''),
    );
    expect(err).toMatch(/^kiln: lost the collector \(.*\); reconnecting…\n$/);
  });

  it('answers a follow of a quiet log at once, and a closing collector ends its open follows', async () => {
    const home = mkdtempSync(join(tmpdir(), 'kiln-follow-close-'));
    const c = await startCollector({ db: `sqlite:${join(home, 'kiln.db')}`, stateDir: home, cache: false });
    try {
      await new CollectorClient(c.url).postRun(runRecord('r-quiet'), c.mintRunToken(testClaims('r-quiet')));
      // Nothing has been logged: the headers come anyway, before any line.
      const res = await request(`${c.url}/v1/runs/r-quiet/logs?follow=1`, {
        headers: { authorization: `Bearer ${c.readerToken}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/event-stream');
      const body = res.body.text().catch((err: Error) => `cut: ${err.message}`);
      await c.close(); // does not wait for the follower to leave
      expect(await body).not.toContain('event: end');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
