// A collector on SQLite in a temp dir, seeded through its real HTTP API (run records with minted
// run tokens, protobuf log batches), and a Debian chromium driven by playwright-core.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Agent, getGlobalDispatcher, request, setGlobalDispatcher } from 'undici';
import { runClaims, startCollector, type RunningCollector } from '../../../collector/index.js';
import { CollectorClient } from '../../../collector/client/index.js';
import type { RunRecord, TaskRunRecord } from '../../../contract/index.js';
import { LogBatch, PROTOBUF_MEDIA_TYPE } from '../../../contract/log-wire/index.js';
import { runRecord, testClaims } from '../../../testkit/store-fixtures.js';

export interface Ui {
  collector: RunningCollector;
  seedRun(record: RunRecord): Promise<void>;
  seedLines(o: {
    run: string;
    taskRun: string;
    step: string;
    stepIndex?: number;
    from: number;
    texts: string[];
    eof?: boolean;
    stderr?: boolean;
  }): Promise<void>;
  newPage(): Promise<Page>;
  /** Stops the collector and starts it again on the same address and database (as a redeploy does). */
  restartCollector(): Promise<void>;
  close(): Promise<void>;
}

export async function startUi(): Promise<Ui> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-ui-'));
  const start = (listen?: string) =>
    startCollector({ db: `sqlite:${join(dir, 'kiln.db')}`, stateDir: dir, cache: false, listen });
  let collector = await start();
  const client = new CollectorClient(collector.url);
  let browser: BrowserContext | undefined;
  return {
    get collector() {
      return collector;
    },
    async restartCollector() {
      await collector.close();
      // Keep-alive sockets to the old server are dead: seed through a fresh pool.
      const stale = getGlobalDispatcher();
      setGlobalDispatcher(new Agent());
      await stale.destroy();
      collector = await start(new URL(collector.url).host);
    },
    async seedRun(record) {
      await client.postRun(record, collector.mintRunToken(runClaims(record)));
    },
    async seedLines(o) {
      const body = LogBatch.encode({
        pipelineRun: o.run,
        taskRun: o.taskRun,
        steps: [
          {
            step: o.step,
            stepIndex: o.stepIndex ?? 0,
            eof: !!o.eof,
            lines: o.texts.map((t, i) => ({
              seq: o.from + i,
              stream: o.stderr ? 1 : 0,
              timeMs: Date.now(),
              data: Buffer.from(t),
            })),
          },
        ],
      }).finish();
      const res = await request(`${collector.url}/v1/logs`, {
        method: 'POST',
        body,
        headers: {
          'content-type': PROTOBUF_MEDIA_TYPE,
          authorization: `Bearer ${collector.mintRunToken(testClaims(o.run))}`,
        },
      });
      if (res.statusCode !== 200) throw new Error(`POST /v1/logs: ${res.statusCode} ${await res.body.text()}`);
      await res.body.dump();
    },
    async newPage() {
      browser ??= await chromium.launchPersistentContext(mkdtempSync(join(dir, 'chromium-')), {
        executablePath: '/usr/bin/chromium',
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        viewport: { width: 1280, height: 900 },
      });
      return browser.newPage();
    },
    async close() {
      await browser?.close();
      await collector.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where UI tests keep their screenshots: $KILN_TEST_ARTIFACTS, else kiln-ui-artifacts in the temp directory. */
export function artifact(name: string): string {
  const dir = process.env.KILN_TEST_ARTIFACTS ?? join(tmpdir(), 'kiln-ui-artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 12, 0, s)).toISOString();

export function taskRun(run: string, name: string, over: Partial<TaskRunRecord> = {}): TaskRunRecord {
  return { name, taskRun: `${run}-${name}`, status: 'Succeeded', attempts: 1, results: {}, steps: [], ...over };
}

/**
 * web-app: four runs (Succeeded 60 s, Failed 30 s, Succeeded 90 s, Running), docs: two; newest
 * first they are docs-2, web-app-4, docs-1, web-app-3, web-app-2, web-app-1.
 */
export function seedRecords(): RunRecord[] {
  const w1 = runRecord('web-app-1', {
    status: 'Succeeded',
    startedAt: at(0),
    finishedAt: at(60),
    engine: 'local',
    tasks: [
      taskRun('web-app-1', 'build', {
        startedAt: at(1),
        finishedAt: at(40),
        results: { digest: 'sha256:abc123' },
        steps: [
          {
            name: 'compile',
            status: 'Succeeded',
            exitCode: 0,
            startedAt: at(1),
            finishedAt: at(30),
            cache: { key: 'npm-1', matchedKey: 'npm-1', hit: true, restoredBytes: 1024, seconds: 0.2 },
          },
          { name: 'test', status: 'Succeeded', exitCode: 0, startedAt: at(30), finishedAt: at(40) },
        ],
      }),
      taskRun('web-app-1', 'lint', {
        status: 'Failed',
        reason: 'StepFailed',
        message: 'step pylint failed with exit code 2',
        attempts: 2,
        startedAt: at(2),
        finishedAt: at(20),
        steps: [{ name: 'pylint', status: 'Failed', exitCode: 2, startedAt: at(2), finishedAt: at(20) }],
      }),
      taskRun('web-app-1', 'deploy', { status: 'Skipped', reason: 'WhenExpressionsFalse', steps: [] }),
    ],
    results: { image: 'app@sha256:abc123', targets: ['linux', 'mac'] },
    warnings: ['ci.yaml:12:20: warning: $(params.env[*]): param "env" is a string, not an array; left as written'],
  });
  return [
    w1,
    runRecord('web-app-2', { status: 'Failed', reason: 'TaskFailed', startedAt: at(100), finishedAt: at(130) }),
    runRecord('web-app-3', { status: 'Succeeded', startedAt: at(200), finishedAt: at(290) }),
    runRecord('docs-1', { name: 'docs', status: 'Succeeded', startedAt: at(300), finishedAt: at(310) }),
    runRecord('web-app-4', {
      status: 'Running',
      startedAt: at(400),
      tasks: [
        taskRun('web-app-4', 'watch', {
          status: 'Running',
          startedAt: at(401),
          steps: [{ name: 'tail', status: 'Running', exitCode: null, startedAt: at(401) }],
        }),
      ],
    }),
    runRecord('docs-2', { name: 'docs', status: 'Failed', startedAt: at(500), finishedAt: at(505) }),
  ];
}
