// The collector's run metrics over loopback: each run counted once as its record first arrives
// ended (a record stored again is not counted again), per pipeline, task, status and cache
// result; label values capped, the rest folded into `other`; the Grafana dashboard in deploy/
// names only metrics that exist.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord, TaskRunRecord } from '../../contract/index.js';
import { startCollector, type RunningCollector } from '../../collector/index.js';
import { CollectorClient } from '../../collector/client/index.js';
import { controllerMetrics } from '../../controller/metrics.js';
import { REPO } from '../../testkit/kiln-cli.js';
import { runRecord, testClaims } from '../../testkit/store-fixtures.js';

const t0 = Date.UTC(2026, 10, 1, 12);
const iso = (s: number) => new Date(t0 + s * 1000).toISOString();
const task = (name: string, from: number, to: number, over: Partial<TaskRunRecord> = {}): TaskRunRecord => ({
  name,
  taskRun: name,
  status: 'Succeeded',
  attempts: 1,
  results: {},
  startedAt: iso(from),
  finishedAt: iso(to),
  steps: [],
  ...over,
});
const cacheStep = (hit: boolean) => ({
  name: 's',
  status: 'Succeeded' as const,
  exitCode: 0,
  cache: { key: 'k', matchedKey: hit ? 'k' : null, hit, restoredBytes: 0, seconds: 0 },
});

describe('run metrics', () => {
  let c: RunningCollector;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-run-metrics-'));
    c = await startCollector({
      db: `sqlite:${join(dir, 'kiln.db')}`,
      stateDir: dir,
      cache: false,
      metricCaps: { pipelines: 2, tasks: 3 },
    });
  });
  afterAll(async () => {
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = () => new CollectorClient(c.url);
  const post = (r: RunRecord) => client().postRun(r, c.mintRunToken(testClaims(r.id, { pipeline: r.name })));
  const metrics = async () => {
    const res = await request(`${c.url}/metrics`, { headers: { authorization: `Bearer ${c.readerToken}` } });
    return res.body.text();
  };
  const sample = (text: string, series: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${series} `))
        ?.split(' ')[1] ?? NaN,
    );

  it('counts each ended run once, with its tasks, retries, cache and queue time', async () => {
    const running = runRecord('m1', { startedAt: iso(0), tasks: [task('build', 2, 40)] });
    await post(running);
    expect(await metrics()).not.toContain('kiln_pipelinerun_total{');
    const ended: RunRecord = {
      ...running,
      status: 'Failed',
      finishedAt: iso(100),
      tasks: [
        task('build', 2, 40, { steps: [cacheStep(true), cacheStep(false), cacheStep(true)] }),
        task('test', 40, 100, { status: 'Failed', attempts: 3 }),
        task('ship', 100, 100, { status: 'Skipped' }),
      ],
    };
    await client().patchRun(ended, c.mintRunToken(testClaims('m1')));
    await post(ended); // an archive of the same run: not counted again
    const text = await metrics();
    expect(sample(text, 'kiln_pipelinerun_total{pipeline="web-app",status="Failed"}')).toBe(1);
    expect(sample(text, 'kiln_pipelinerun_duration_seconds_sum{pipeline="web-app",status="Failed"}')).toBe(100);
    expect(sample(text, 'kiln_pipelinerun_duration_seconds_bucket{le="120",pipeline="web-app",status="Failed"}')).toBe(
      1,
    );
    expect(sample(text, 'kiln_pipelinerun_duration_seconds_bucket{le="60",pipeline="web-app",status="Failed"}')).toBe(
      0,
    );
    expect(sample(text, 'kiln_pipelinerun_queue_seconds_sum{pipeline="web-app"}')).toBe(2);
    expect(sample(text, 'kiln_taskrun_duration_seconds_sum{pipeline="web-app",task="build",status="Succeeded"}')).toBe(
      38,
    );
    expect(sample(text, 'kiln_taskrun_duration_seconds_sum{pipeline="web-app",task="test",status="Failed"}')).toBe(60);
    expect(text).not.toContain('task="ship"'); // skipped: it never ran
    expect(sample(text, 'kiln_taskrun_retries_total{pipeline="web-app",task="test"}')).toBe(2);
    expect(sample(text, 'kiln_cache_requests_total{result="hit"}')).toBe(2);
    expect(sample(text, 'kiln_cache_requests_total{result="miss"}')).toBe(1);
  });

  it('folds pipelines and tasks past the caps into other', async () => {
    for (const [id, pipeline, tasks] of [
      ['m2', 'docs', ['a', 'b']],
      ['m3', 'api', ['c']],
      ['m4', 'mobile', ['d']],
    ] as const) {
      await post(
        runRecord(id, {
          name: pipeline,
          status: 'Succeeded',
          startedAt: iso(0),
          finishedAt: iso(10),
          tasks: tasks.map((n) => task(n, 1, 5)),
        }),
      );
    }
    const text = await metrics();
    // Caps 2 pipelines, 3 (pipeline, task) pairs: web-app and docs keep their names, then other.
    expect(sample(text, 'kiln_pipelinerun_total{pipeline="docs",status="Succeeded"}')).toBe(1);
    expect(sample(text, 'kiln_pipelinerun_total{pipeline="other",status="Succeeded"}')).toBe(2);
    expect(text).not.toMatch(/pipeline="(api|mobile)"/);
    expect(sample(text, 'kiln_taskrun_duration_seconds_count{pipeline="docs",task="a",status="Succeeded"}')).toBe(1);
    expect(sample(text, 'kiln_taskrun_duration_seconds_count{pipeline="docs",task="other",status="Succeeded"}')).toBe(
      1,
    );
    expect(sample(text, 'kiln_taskrun_duration_seconds_count{pipeline="other",task="other",status="Succeeded"}')).toBe(
      2,
    );
  });

  it('the Grafana dashboard is valid JSON naming only metrics the collector or the controller export', async () => {
    const dash = JSON.parse(readFileSync(join(REPO, 'deploy/grafana/kiln-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exported = new Set(
      [await metrics(), await controllerMetrics().registry.metrics()].flatMap((t) =>
        [...t.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!),
      ),
    );
    const named = dash.panels.flatMap((p) =>
      p.targets.flatMap((t) =>
        [...t.expr.matchAll(/\bkiln_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')),
      ),
    );
    expect(dash.panels.length).toBeGreaterThanOrEqual(8);
    expect(named.length).toBeGreaterThanOrEqual(dash.panels.length);
    expect(named.filter((n) => !exported.has(n))).toEqual([]);
    for (const name of [
      'kiln_pipelinerun_total',
      'kiln_pipelinerun_duration_seconds',
      'kiln_taskrun_duration_seconds',
      'kiln_taskrun_retries_total',
      'kiln_cache_requests_total',
      'kiln_pipelinerun_queue_seconds',
    ])
      expect(named).toContain(name);
  });
});
