// Sends one step's log lines to a collector as the log proxy does (POST /v1/logs, protobuf).
import { request } from 'undici';
import type { RunningCollector } from '../collector/index.js';
import { LogBatch, PROTOBUF_MEDIA_TYPE } from '../contract/log-wire/index.js';
import { testClaims } from './store-fixtures.js';

export async function sendLines(
  c: RunningCollector,
  run: string,
  step: string,
  texts: string[],
  eof: boolean,
  o: { taskRun?: string; stepIndex?: number; timeMs?: number; stream?: 0 | 1 } = {},
): Promise<void> {
  const body = LogBatch.encode({
    pipelineRun: run,
    taskRun: o.taskRun ?? `${run}-build`,
    steps: [
      {
        step,
        stepIndex: o.stepIndex ?? 0,
        eof,
        lines: texts.map((t, i) => ({ seq: i, stream: o.stream ?? 0, timeMs: o.timeMs ?? 1, data: Buffer.from(t) })),
      },
    ],
  }).finish();
  const res = await request(`${c.url}/v1/logs`, {
    method: 'POST',
    body,
    headers: { 'content-type': PROTOBUF_MEDIA_TYPE, authorization: `Bearer ${c.mintRunToken(testClaims(run))}` },
  });
  if (res.statusCode !== 200) throw new Error(`POST /v1/logs answered ${res.statusCode}: ${await res.body.text()}`);
  await res.body.dump();
}
