// A notification announcing a waiting approval gate, end to end as docs/approvals.md writes it:
// `kiln run` shipping to a collector of its own, a notify/webhook task beside the gate posting to
// an HTTP receiver on 127.0.0.1; the link it carries opens the run's page in Chromium, where a
// release-team member approves, and the waiting `kiln run` goes on.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPersonToken } from '../../collector/index.js';
import { startKilnRun } from '../../testkit/kiln-cli.js';
import { requireBuild } from '../../testkit/log-proxy-pod.js';
import { artifact, startUi, type Ui } from '../collector/ui/fixture.js';

const PIPELINE = `
name: release
params:
  hook: { description: where the announcement goes }
tasks:
  build:
    steps: [{ run: echo built }]
  gate:
    needs: [build]
    approval: { message: "ship it?", approvers: [release-team] }
  announce:
    needs: [build]
    uses: notify/webhook
    with: { url: "$(params.hook)", message: "release waits for approval: $(context.pipelineRun.url)" }
  ship:
    needs: [gate]
    steps: [{ run: echo shipped }]
`;

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

describe('announcing a waiting approval', () => {
  let dir: string;
  let ui: Ui;
  let page: Page;
  let receiver: Server;
  let hook: string;
  let announced: Promise<Record<string, unknown>>;

  beforeAll(async () => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'kiln-approval-notify-'));
    writeFileSync(join(dir, 'p.yaml'), PIPELINE);
    ui = await startUi();
    page = await ui.newPage();
    announced = new Promise((got) => {
      receiver = createServer((req, res) => {
        void bodyOf(req).then((text) => {
          res.writeHead(204).end();
          got(JSON.parse(text) as Record<string, unknown>);
        });
      });
    });
    await new Promise<void>((ready) => receiver.listen(0, '127.0.0.1', ready));
    hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await ui?.close();
    receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("posts the run's link while the gate waits; the page it opens approves it", async () => {
    const secret = readFileSync(ui.collector.secretFile!, 'utf8').trim();
    const url = ui.collector.url;
    const env = { ...process.env, KILN_COLLECTOR_SECRET: secret, KILN_COLLECTOR: url, KILN_TOKEN: '' };
    const r = startKilnRun(['p.yaml', '--param', `hook=${hook}`], { cwd: dir, env });
    const body = await announced;
    const link = String(body.link);
    expect(link).toMatch(new RegExp(`^${url}/#/run/release-[a-z0-9]{5}$`));
    expect(body.message).toBe(`release waits for approval: ${link}`);
    const alice = mintPersonToken(secret, { name: 'alice', groups: ['release-team'] });
    await page.goto(`${url}/#token=${encodeURIComponent(alice)}`);
    await page.goto(link);
    const gate = page.locator('section.approvals [data-approval=gate]');
    await gate.locator('button.approve').waitFor(); // the gate waits: its buttons are offered
    expect(await gate.locator('.message').textContent()).toBe('ship it?');
    await gate.locator('textarea[name=comment]').fill('announced and checked');
    await gate.locator('button.approve').click();
    await page.locator('section.approvals .decided.approved').waitFor();
    await page.screenshot({ path: artifact('approval-from-notification.png'), fullPage: true });
    const { code, record } = await r.done;
    expect(code).toBe(0);
    expect(link.endsWith(`/${record.id}`)).toBe(true);
    expect(record.tasks.map((t) => [t.name, t.status])).toEqual([
      ['build', 'Succeeded'],
      ['gate', 'Succeeded'],
      ['announce', 'Succeeded'],
      ['ship', 'Succeeded'],
    ]);
    expect(record.tasks.find((t) => t.name === 'gate')!.approval).toMatchObject({
      decision: 'approved',
      by: 'alice',
      comment: 'announced and checked',
    });
  });
});
