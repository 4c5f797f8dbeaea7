// The web UI's pipelines page, a run's live task graph and Gantt, search over all logs, find in
// a log, a running step shown Running and durations that count, in chromium against a real
// collector; each figure checked in the SVG/DOM (axes, labels, data points), screenshots kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunRecord } from '../../../contract/index.js';
import { runRecord } from '../../../testkit/store-fixtures.js';
import { artifact, seedRecords, startUi, taskRun, type Ui } from './fixture.js';

/** a → b, a → c, (b, c) → d, finally f; c running its second step, d not started. */
function dagRun(start: number, over: { c?: 'Running' | 'Succeeded'; d?: 'Pending' | 'Running' } = {}): RunRecord {
  const at = (s: number) => new Date(start + s * 1000).toISOString();
  const c = over.c ?? 'Running';
  const d = over.d ?? 'Pending';
  return runRecord('dag-1', {
    name: 'graph',
    startedAt: at(0),
    tasks: [
      taskRun('dag-1', 'a', { startedAt: at(0), finishedAt: at(10) }),
      taskRun('dag-1', 'b', { needs: ['a'], startedAt: at(12), finishedAt: at(20) }),
      taskRun('dag-1', 'c', {
        needs: ['a'],
        status: c,
        startedAt: at(11),
        finishedAt: c === 'Succeeded' ? at(25) : undefined,
        steps: [
          { name: 's1', status: 'Succeeded', exitCode: 0, startedAt: at(11), finishedAt: at(15) },
          { name: 's2', status: c === 'Succeeded' ? 'Succeeded' : 'Pending', exitCode: c === 'Succeeded' ? 0 : null },
        ],
      }),
      taskRun('dag-1', 'd', { needs: ['b', 'c'], status: d, startedAt: d === 'Running' ? at(26) : undefined }),
      taskRun('dag-1', 'f', { status: 'Pending', finally: true }),
    ],
  });
}

describe('web UI views', () => {
  let ui: Ui;
  let page: Page;
  const start = Date.now() - 30_000;
  beforeAll(async () => {
    ui = await startUi();
    for (const r of seedRecords()) await ui.seedRun(r);
    await ui.seedRun(dagRun(start));
    await ui.seedLines({
      run: 'web-app-1',
      taskRun: 'web-app-1-build',
      step: 'compile',
      from: 0,
      texts: Array.from({ length: 29 }, (_, i) => `compile line ${i}`),
      eof: true,
    });
    await ui.seedLines({
      run: 'web-app-1',
      taskRun: 'web-app-1-lint',
      step: 'pylint',
      from: 0,
      texts: ['E0001 bad style'],
      eof: true,
      stderr: true,
    });
    page = await ui.newPage();
    await page.goto(`${ui.collector.url}/#token=${encodeURIComponent(ui.collector.readerToken)}`);
  });
  afterAll(async () => {
    await ui?.close();
  });

  it('lists pipelines with last status, success rate, p50/p95 and a duration sparkline', async () => {
    await page.locator('nav a', { hasText: 'pipelines' }).click();
    const web = page.locator('tr[data-pipeline=web-app]');
    await web.waitFor();
    expect(
      await page
        .locator('table.pipelines tbody tr')
        .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-pipeline'))),
    ).toEqual(['docs', 'graph', 'web-app']);
    expect(await web.locator('.badge').textContent()).toBe('Running'); // web-app-4, the newest
    expect(await web.locator('.rate-cell').textContent()).toBe('67%');
    expect(await web.locator('.p50').textContent()).toBe('1m 0s');
    expect(await web.locator('.p95').textContent()).toBe('1m 30s');
    expect(await web.locator('svg.sparkline').getAttribute('data-points')).toBe('3');
    await page.screenshot({ path: artifact('ui-pipelines.png'), fullPage: true });
  });

  it("draws a running run's graph by depth with its edges, and redraws it as tasks move on", async () => {
    await page.goto(`${ui.collector.url}/#/run/dag-1`);
    const nodes = page.locator('svg.dag g.node');
    await nodes.first().waitFor();
    const drawn = await nodes.evaluateAll((gs) =>
      gs.map((g) => [
        g.getAttribute('data-task'),
        g.getAttribute('data-status'),
        Number(g.querySelector('rect')!.getAttribute('x')),
      ]),
    );
    expect(drawn).toEqual([
      ['a', 'Succeeded', 10],
      ['b', 'Succeeded', 200],
      ['c', 'Running', 200],
      ['d', 'Pending', 390],
      ['f', 'Pending', 580],
    ]);
    expect(
      await page
        .locator('svg.dag path.edge')
        .evaluateAll((ps) => ps.map((p) => `${p.getAttribute('data-from')}>${p.getAttribute('data-to')}`)),
    ).toEqual(['a>b', 'a>c', 'b>d', 'c>d']);
    // The running task's first step not yet ended is shown Running, its duration counting.
    expect(await page.locator('tr[data-task=dag-1-c] tr[data-step=s2] .badge').textContent()).toBe('Running');
    await page.screenshot({ path: artifact('ui-dag-running.png'), fullPage: true });
    await ui.seedRun(dagRun(start, { c: 'Succeeded', d: 'Running' }));
    await page.locator('svg.dag g.node[data-task=d][data-status=Running]').waitFor();
    expect(await page.locator('svg.dag g.node[data-task=c]').getAttribute('data-status')).toBe('Succeeded');
  });

  it('shows a Gantt with a time axis and each task run queue time', async () => {
    const b = page.locator('svg.timeline g.task[data-task=dag-1-b]');
    await b.waitFor();
    expect(await b.getAttribute('data-queued-ms')).toBe('2000'); // a ended at 10 s, b started at 12 s
    expect(await b.getAttribute('data-ms')).toBe('8000');
    expect(await b.locator('rect.queue').count()).toBe(1);
    expect(await page.locator('svg.timeline g.task[data-task=dag-1-a] rect.queue').count()).toBe(0);
    const ticks = await page.locator('svg.timeline g.x-axis g.tick text').allTextContents();
    expect(ticks[0]).toBe('0.0s');
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(await page.locator('svg.timeline .axis-title').textContent()).toBe('time since the run started');
    await page.locator('svg.timeline').screenshot({ path: artifact('ui-gantt.png') });
  });

  it("counts a running run's duration up in place", async () => {
    const header = page.locator('.run-head .duration[data-live-since]');
    const before = await header.textContent();
    await page.waitForFunction((b) => document.querySelector('.run-head .duration')?.textContent !== b, before);
    expect(Date.parse((await header.getAttribute('data-live-since'))!)).toBe(start);
  });

  it('searches every log from the header, the match marked, with times', async () => {
    await page.locator('header input[name=q]').fill('BAD STYLE');
    await page.locator('header form.search button').click();
    const hit = page.locator('table.hits tr[data-run=web-app-1]');
    await hit.waitFor();
    expect(await page.locator('.hit-count').textContent()).toBe('1 lines match "BAD STYLE"');
    expect(await hit.locator('mark').textContent()).toBe('bad style');
    expect(await hit.locator('td.time').textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    expect(await hit.locator('a').allTextContents()).toEqual(['web-app-1', 'web-app-1-lint/pylint']);
  });

  it('finds in a log: matching lines counted and stepped through', async () => {
    await page.goto(`${ui.collector.url}/#/run/web-app-1/logs?task=web-app-1-build&step=compile`);
    await page.locator('.log .line').first().waitFor();
    const find = page.locator('input[name=find]');
    await find.fill('line 2');
    expect(await page.locator('.find-count').textContent()).toBe('10 matching lines'); // 2, 20–28
    await find.press('Enter');
    await find.press('Enter');
    expect(await page.locator('.log .line.current .text').textContent()).toBe('compile line 20');
    expect(await page.locator('.log .line.found').count()).toBe(10);
    await page.screenshot({ path: artifact('ui-find.png'), fullPage: true });
  });
});
