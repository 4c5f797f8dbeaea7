// The run page's approval gates in chromium: a waiting gate shows its message, approvers and
// deadline; Approve with a named token decides it (the page shows who and when, the collector
// holds it); the reader token is refused with the collector's reason shown; Reject needs a comment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { mintPersonToken } from '../../../collector/index.js';
import { CollectorClient } from '../../../collector/client/index.js';
import { runRecord } from '../../../testkit/store-fixtures.js';
import { artifact, startUi, taskRun, type Ui } from './fixture.js';

const gate = (run: string) =>
  taskRun(run, 'gate', {
    status: 'Running',
    startedAt: new Date().toISOString(),
    approval: {
      message: 'ship 1.2 to production?',
      approvers: ['release'],
      onTimeout: 'fail',
      deadline: new Date(Date.now() + 3600_000).toISOString(),
    },
  });

describe('approval gates in the web UI', () => {
  let ui: Ui;
  let page: Page;
  let alice: string;
  beforeAll(async () => {
    ui = await startUi();
    const secret = (await import('node:fs')).readFileSync(ui.collector.secretFile!, 'utf8').trim();
    alice = mintPersonToken(secret, { name: 'alice', groups: ['release'] });
    for (const id of ['rel-1', 'rel-2'])
      await ui.seedRun(runRecord(id, { startedAt: new Date().toISOString(), tasks: [taskRun(id, 'build'), gate(id)] }));
    // rel-3's gate is in the pipeline its task deploy called: named deploy/gate.
    const child = runRecord('rel-3-deploy', { startedAt: new Date().toISOString(), tasks: [gate('rel-3-deploy')] });
    const deploy = taskRun('rel-3', 'deploy', { status: 'Running', child });
    await ui.seedRun(runRecord('rel-3', { startedAt: new Date().toISOString(), tasks: [deploy] }));
    page = await ui.newPage();
  });
  afterAll(async () => {
    await ui?.close();
  });

  const panel = () => page.locator('section.approvals [data-approval=gate]');

  it('approves with a named token, and shows who decided', async () => {
    await page.goto(`${ui.collector.url}/#token=${encodeURIComponent(alice)}`);
    await page.goto(`${ui.collector.url}/#/run/rel-1`);
    await panel().locator('.message').waitFor();
    expect(await panel().locator('.message').textContent()).toBe('ship 1.2 to production?');
    expect(await panel().locator('.dim').textContent()).toMatch(/^approvers: release · until .+, then failed$/);
    await panel().locator('textarea[name=comment]').fill('release notes checked');
    await page.screenshot({ path: artifact('approval-waiting.png'), fullPage: true });
    await panel().locator('button.approve').click();
    await page.locator('section.approvals .decided.approved').waitFor();
    expect(await panel().textContent()).toMatch(/^gate: approved by alice at .+release notes checked$/);
    await page.screenshot({ path: artifact('approval-decided.png'), fullPage: true });
    const stored = await new CollectorClient(ui.collector.url, ui.collector.readerToken).getRun('rel-1');
    expect(stored!.tasks[1]!.approval).toMatchObject({
      decision: 'approved',
      by: 'alice',
      comment: 'release notes checked',
    });
  });

  it("shows the collector's refusal: a rejection without a comment, the reader token", async () => {
    await page.goto(`${ui.collector.url}/#/run/rel-2`);
    await panel().locator('button.reject').click();
    await panel().locator('.outcome.error').waitFor();
    expect(await panel().locator('.outcome').textContent()).toContain('a rejection needs a comment');
    await page.goto(`${ui.collector.url}/#token=${encodeURIComponent(ui.collector.readerToken)}`);
    await page.goto(`${ui.collector.url}/#/run/rel-2`);
    await panel().locator('button.approve').click();
    await panel().locator('.outcome.error').waitFor();
    expect(await panel().locator('.outcome').textContent()).toContain('needs a named token');
    const stored = await new CollectorClient(ui.collector.url, ui.collector.readerToken).getRun('rel-2');
    expect(stored!.tasks[1]!.approval!.decision).toBeUndefined();
  });

  it('lists a gate of a called pipeline by its path, and decides it', async () => {
    await page.goto(`${ui.collector.url}/#token=${encodeURIComponent(alice)}`);
    await page.goto(`${ui.collector.url}/#/run/rel-3`);
    const nested = page.locator('section.approvals [data-approval="deploy/gate"]');
    await nested.locator('button.approve').click();
    await page.locator('section.approvals .decided.approved').waitFor();
    expect(await nested.textContent()).toMatch(/^deploy\/gate: approved by alice at /);
    const stored = await new CollectorClient(ui.collector.url, ui.collector.readerToken).getRun('rel-3');
    expect(stored!.tasks[0]!.child!.tasks[0]!.approval).toMatchObject({ decision: 'approved', by: 'alice' });
  });
});
