// The web UI in a real chromium against a real collector on SQLite: the token gate, history with
// filters and paging, a run's tasks and timeline, logs (paged, markup shown as text, followed),
// and a pipeline's charts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifact, seedRecords, startUi, taskRun, type Ui } from './fixture.js';
import { runRecord } from '../../../testkit/store-fixtures.js';

const EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

describe('web UI', () => {
  let ui: Ui;
  let page: Page;
  beforeAll(async () => {
    ui = await startUi();
    for (const r of seedRecords()) await ui.seedRun(r);
    await ui.seedLines({
      run: 'web-app-1',
      taskRun: 'web-app-1-build',
      step: 'compile',
      from: 0,
      texts: [...Array.from({ length: 29 }, (_, i) => `compile line ${i}`), EVIL],
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
    await ui.seedLines({
      run: 'web-app-4',
      taskRun: 'web-app-4-watch',
      step: 'tail',
      from: 0,
      texts: ['waiting for changes'],
    });
    page = await ui.newPage();
  });
  afterAll(async () => {
    await ui?.close();
  });

  const rowIds = () =>
    page.locator('table.runs tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
  const open = async (hash: string) => {
    await page.goto(`${ui.collector.url}/${hash}`);
  };

  it('asks for the reader token, and says clearly when it is wrong', async () => {
    await open('');
    const input = page.locator('input[name=token]');
    await input.waitFor();
    await expect(page.locator('table.runs').count()).resolves.toBe(0);
    await input.fill('not-the-token');
    await page.locator('form.token button[type=submit]').click();
    const alert = page.locator('form.token .error');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'The collector refused the token: the reader token is not valid for this collector',
    );
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('takes the token from the fragment, drops it from the address, and lists runs newest first', async () => {
    await open(`#token=${ui.collector.readerToken}`);
    await page.locator('tr[data-run=web-app-1]').waitFor();
    expect(page.url()).not.toContain(ui.collector.readerToken);
    expect(await rowIds()).toEqual(['docs-2', 'web-app-4', 'docs-1', 'web-app-3', 'web-app-2', 'web-app-1']);
    const row = page.locator('tr[data-run=web-app-2]');
    expect(await row.locator('.badge').textContent()).toBe('Failed');
    expect(await row.locator('.badge').evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(207, 34, 46)');
    expect(await row.locator('td.num').textContent()).toBe('30s');
    // The token stays for the tab: a reload needs no fragment.
    await page.reload();
    await page.locator('tr[data-run=web-app-1]').waitFor();
  });

  it('filters by status and pipeline, and pages with the cursor', async () => {
    await open('#/runs?limit=2');
    await page.locator('tr[data-run=web-app-4]').waitFor();
    expect(await rowIds()).toEqual(['docs-2', 'web-app-4']);
    await page.locator('button.more').click();
    await page.locator('tr[data-run=web-app-3]').waitFor();
    expect(await rowIds()).toEqual(['docs-2', 'web-app-4', 'docs-1', 'web-app-3']);
    await page.screenshot({ path: artifact('ui-history.png'), fullPage: true });

    await page.selectOption('select[name=status]', 'Failed');
    await page.waitForURL(/status=Failed/);
    await page.locator('tr[data-run=web-app-2]').waitFor();
    expect(await rowIds()).toEqual(['docs-2', 'web-app-2']);

    await page.fill('input[name=pipeline]', 'docs');
    await page.locator('form.filters button[type=submit]').click();
    await page.waitForURL(/pipeline=docs/);
    await page.locator('table.runs tbody tr').first().waitFor();
    await expect.poll(rowIds).toEqual(['docs-2']);
  });

  it('shows a run: tasks, steps with exit codes and cache, results, and the timeline', async () => {
    await open('#/runs');
    await page.locator('tr[data-run=web-app-1] a', { hasText: 'web-app-1' }).click();
    const build = page.locator('tr[data-task=web-app-1-build]');
    await build.waitFor();
    expect(await page.locator('.params').textContent()).toBe('params: revision=main');
    expect(await page.locator('dl.run-results').textContent()).toBe('imageapp@sha256:abc123targets["linux","mac"]');
    expect(await page.locator('ul.warnings li').allTextContents()).toEqual([
      'ci.yaml:12:20: warning: $(params.env[*]): param "env" is a string, not an array; left as written',
    ]);
    expect(await build.locator('dl.results').textContent()).toBe('digestsha256:abc123');
    expect(await build.locator('tr[data-step=compile]').innerText()).toMatch(
      /compile\s+Succeeded\s+exit 0\s+29s\s+cache hit/,
    );
    const lint = page.locator('tr[data-task=web-app-1-lint]');
    expect(await lint.locator('> td').evaluateAll((tds) => tds.slice(1, 5).map((t) => t.textContent))).toEqual([
      'Failed',
      'StepFailed: step pylint failed with exit code 2',
      '2',
      '18s',
    ]);
    expect(await lint.locator('tr[data-step=pylint]').innerText()).toContain('exit 2');
    // Skipped tasks never started: no bar. The two bars start where the tasks did, build's is the longer.
    const bars = page.locator('svg.timeline g.task');
    expect(await bars.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-task')))).toEqual([
      'web-app-1-build',
      'web-app-1-lint',
    ]);
    const [b, l] = await bars
      .locator('rect.span')
      .evaluateAll((rs) => rs.map((r) => ({ x: Number(r.getAttribute('x')), w: Number(r.getAttribute('width')) })));
    expect(b.x).toBeLessThan(l.x);
    expect(b.w).toBeGreaterThan(l.w * 2);
    await page.screenshot({ path: artifact('ui-run.png'), fullPage: true });
  });

  it('shows log lines as text, pages them, and never runs markup from a log', async () => {
    await open('#/run/web-app-1');
    await page.locator('tr[data-task=web-app-1-build] a', { hasText: 'web-app-1-build' }).click();
    await page.locator('.log .line').first().waitFor();
    await open('#/run/web-app-1/logs?task=web-app-1-build&step=compile&limit=20');
    const lines = page.locator('.log .line');
    await expect.poll(() => lines.count()).toBe(20);
    await page.locator('button.more').click();
    await expect.poll(() => lines.count()).toBe(30);
    expect(await lines.last().locator('.text').textContent()).toBe(EVIL);
    expect(await page.locator('.log script, .log img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('button.more').isHidden()).toBe(true);
    await page.screenshot({ path: artifact('ui-logs.png'), fullPage: true });
  });

  it("shows every step's lines for a whole run, stderr marked", async () => {
    await open('#/run/web-app-1/logs');
    const err = page.locator('.log .line.stderr');
    await err.waitFor();
    // Each line with the time it was read in the pod (UTC, to the millisecond).
    expect(await err.textContent()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} web-app-1-lint\/pylint E0001 bad style$/,
    );
    expect(await page.locator('.log .line').count()).toBe(31);
  });

  it('follows a running step: a line sent after the page opened appears, then the end', async () => {
    await open('#/run/web-app-4/logs?task=web-app-4-watch&step=tail');
    await page.locator('.log .line', { hasText: 'waiting for changes' }).waitFor();
    await page.locator('input[name=follow]').check();
    await page.locator('.follow-state', { hasText: 'following' }).waitFor();
    await ui.seedLines({
      run: 'web-app-4',
      taskRun: 'web-app-4-watch',
      step: 'tail',
      from: 1,
      texts: ['changed: src/app.ts'],
    });
    await page.locator('.log .line', { hasText: 'changed: src/app.ts' }).waitFor();
    await ui.seedLines({
      run: 'web-app-4',
      taskRun: 'web-app-4-watch',
      step: 'tail',
      from: 2,
      texts: ['bye'],
      eof: true,
    });
    await page.locator('.follow-state', { hasText: 'the log has ended' }).waitFor();
    expect(await page.locator('.log .line .text').allTextContents()).toEqual([
      'waiting for changes',
      'changed: src/app.ts',
      'bye',
    ]);
    expect(await page.locator('input[name=follow]').isChecked()).toBe(false);
  });

  it('keeps following across a collector restart: reconnects and shows every line once', async () => {
    await ui.seedRun(
      runRecord('restart-1', {
        name: 'restart',
        status: 'Running',
        startedAt: '2026-11-01T00:00:00.000Z',
        tasks: [
          taskRun('restart-1', 'watch', {
            status: 'Running',
            steps: [{ name: 'tail', status: 'Running', exitCode: null }],
          }),
        ],
      }),
    );
    const seed = (from: number, texts: string[], eof = false) =>
      ui.seedLines({ run: 'restart-1', taskRun: 'restart-1-watch', step: 'tail', from, texts, eof });
    await seed(0, ['one', 'two']);
    await open('#/run/restart-1/logs?task=restart-1-watch&step=tail');
    await page.locator('.log .line', { hasText: 'two' }).waitFor();
    await page.locator('input[name=follow]').check();
    await page.locator('.follow-state', { hasText: 'following' }).waitFor();
    await seed(2, ['three']);
    await page.locator('.log .line', { hasText: 'three' }).waitFor();

    await ui.restartCollector();
    await seed(3, ['four']);
    await page.locator('.log .line', { hasText: 'four' }).waitFor();
    await seed(4, ['five'], true);
    await page.locator('.follow-state', { hasText: 'the log has ended' }).waitFor();
    expect(await page.locator('.log .line .text').allTextContents()).toEqual(['one', 'two', 'three', 'four', 'five']);
  });

  it('charts a pipeline: durations over time on labelled axes, runs per day, p50/p95, slowest tasks, cache', async () => {
    await open('#/runs');
    await page.locator('tr[data-run=web-app-3] a[href="#/charts/web-app"]').click();
    const points = page.locator('svg.duration-trend circle.point');
    await points.first().waitFor();
    const seen = await points.evaluateAll((cs) =>
      cs.map((c) => ({
        run: c.getAttribute('data-run'),
        cls: c.getAttribute('class'),
        s: Number(c.getAttribute('data-y')),
        cy: Number(c.getAttribute('cy')),
        fill: getComputedStyle(c).fill,
      })),
    );
    expect(seen.map((s) => s.run)).toEqual(['web-app-1', 'web-app-2', 'web-app-3', 'web-app-4']);
    expect(seen.map((s) => s.cls)).toEqual([
      'point st-Succeeded',
      'point st-Failed',
      'point st-Succeeded',
      'point st-Running cut',
    ]);
    expect(seen.slice(0, 3).map((s) => s.s)).toEqual([60, 30, 90]);
    expect(seen[1]!.fill).toBe('rgb(207, 34, 46)');
    expect(seen[2]!.cy).toBeLessThan(seen[0]!.cy); // longer is higher
    // The axis ends at the longest finished run (90 s): the run Running for days is cut at the top.
    expect(seen[3]!.cy).toBeLessThanOrEqual(seen[2]!.cy);
    expect(await page.locator('svg.duration-trend g.y-axis g.tick text').last().textContent()).toBe('1m 30s');
    const ticks = (chart: string, axis: string) => page.locator(`svg.${chart} g.${axis} g.tick text`).allTextContents();
    const yTicks = await ticks('duration-trend', 'y-axis');
    expect(yTicks.length).toBeGreaterThanOrEqual(3);
    expect(yTicks[0]).toBe('0.0s');
    expect(yTicks).toContain('1m 0s');
    expect((await ticks('duration-trend', 'x-axis')).length).toBeGreaterThanOrEqual(2);
    expect(await page.locator('svg.duration-trend .axis-title').allTextContents()).toEqual(['duration', 'run started']);
    const days = await page
      .locator('svg.per-day rect.bar')
      .evaluateAll((rs) =>
        rs.map((r) => [
          r.getAttribute('data-x'),
          r.getAttribute('class')!.split(' ')[1],
          Number(r.getAttribute('data-y')),
        ]),
      );
    expect(days).toEqual([
      ['11-20', 'succeeded', 2],
      ['11-20', 'failed', 1],
    ]);
    expect(await ticks('per-day', 'x-axis')).toEqual(['11-20']);
    expect(await page.locator('.rate').textContent()).toBe('67% (2 of 3 finished runs succeeded)');
    expect(await page.locator('.percentiles').textContent()).toBe('duration p50 1m 0s · p95 1m 30s');
    expect(await page.locator('table.slowest tbody tr').first().getAttribute('data-task')).toBe('build');
    expect(await page.locator('.cache-rate').textContent()).toMatch(
      /^\d+% \(\d+ of \d+ cache restores hit the exact key\)$/,
    );
    await page.screenshot({ path: artifact('ui-charts.png'), fullPage: true });
  });

  it("keeps a running run's page up to date until it ends", async () => {
    const live = (status: 'Running' | 'Succeeded') =>
      runRecord('live-1', {
        name: 'live',
        status,
        startedAt: '2026-11-01T00:00:00.000Z',
        finishedAt: status === 'Running' ? undefined : '2026-11-01T00:01:00.000Z',
        tasks: [
          taskRun('live-1', 'build', {
            status,
            startedAt: '2026-11-01T00:00:01.000Z',
            finishedAt: status === 'Running' ? undefined : '2026-11-01T00:00:50.000Z',
          }),
        ],
      });
    await ui.seedRun(live('Running'));
    await open('#/run/live-1');
    await page.locator('tr[data-task=live-1-build] .badge', { hasText: 'Running' }).waitFor();
    await ui.seedRun(live('Succeeded'));
    await page.locator('tr[data-task=live-1-build] .badge', { hasText: 'Succeeded' }).waitFor();
    expect(await page.locator('.run-head h1 .badge').textContent()).toBe('Succeeded');
    expect(await page.locator('tr[data-task=live-1-build] td.num').last().textContent()).toBe('49s');
  });

  it("shows a run waiting in kiln serve's queue as Queued, and follows it once it starts", async () => {
    const waiting = (status: 'Queued' | 'Running') =>
      runRecord('queued-1', { name: 'queued', status, startedAt: '2026-11-02T00:00:00.000Z', tasks: [] });
    await ui.seedRun(waiting('Queued'));
    await open('#/run/queued-1');
    const head = page.locator('.run-head h1 .badge', { hasText: 'Queued' });
    await head.waitFor();
    expect(await head.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(154, 103, 0)');
    await ui.seedRun(waiting('Running'));
    await page.locator('.run-head h1 .badge', { hasText: 'Running' }).waitFor();
  });

  it("shows a retried task's attempts and a called pipeline's run nested under its task", async () => {
    const t = (s: number) => `2026-11-02T00:00:${String(s).padStart(2, '0')}.000Z`;
    await ui.seedRun(
      runRecord('nest-1', {
        name: 'nest',
        status: 'Succeeded',
        startedAt: t(0),
        finishedAt: t(40),
        tasks: [
          taskRun('nest-1', 'flaky', {
            taskRun: 'nest-1-flaky-r1',
            attempts: 2,
            history: [
              {
                taskRun: 'nest-1-flaky',
                attempt: 0,
                status: 'Failed',
                reason: 'exit 1',
                startedAt: t(1),
                finishedAt: t(3),
              },
              { taskRun: 'nest-1-flaky-r1', attempt: 1, status: 'Succeeded', startedAt: t(13), finishedAt: t(14) },
            ],
          }),
          taskRun('nest-1', 'deploy', {
            child: runRecord('nest-1-deploy', {
              name: 'deploy',
              status: 'Succeeded',
              startedAt: t(15),
              tasks: [
                taskRun('nest-1-deploy', 'push', { steps: [{ name: 'main', status: 'Succeeded', exitCode: 0 }] }),
              ],
            }),
          }),
        ],
      }),
    );
    await open('#/run/nest-1');
    const attempts = page.locator('tr[data-task=nest-1-flaky-r1] ol.attempts li');
    await attempts.first().waitFor();
    expect(await attempts.allTextContents()).toEqual(['try 1 Failed 2.0s exit 1', 'try 2 Succeeded 1.0s']);
    const child = page.locator('tr[data-task=nest-1-deploy] .child-run[data-child=nest-1-deploy]');
    expect(await child.locator('p').first().textContent()).toBe('pipeline deploy Succeeded');
    const push = child.locator('tr[data-task=nest-1-deploy-push]');
    expect(await push.locator('.badge').first().textContent()).toBe('Succeeded');
    // The child's task runs ship under the run: their logs are the run's.
    expect(await push.locator('a').first().getAttribute('href')).toBe('#/run/nest-1/logs?task=nest-1-deploy-push');
  });
});
