// A notification announcing a waiting approval gate, end to end as docs/approvals.md writes it:
// `kiln run --collector` on a `kiln collector` process, a notify/webhook task beside the gate
// posting to an HTTP receiver on 127.0.0.1; the link it carries is the run's page (where the
// Approve button is), and the run id in it is what `kiln approve` takes.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startKilnRun } from '../../testkit/kiln-cli.js';
import { requireBuild, startCollectorIn, type CollectorProcess } from '../../testkit/log-proxy-pod.js';

const run = promisify(execFile);
const KILN = join(REPO, 'bin/kiln.js');

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
  let collector: CollectorProcess;
  let receiver: Server;
  let hook: string;
  let announced: Promise<Record<string, unknown>>;

  beforeAll(async () => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'kiln-approval-notify-'));
    writeFileSync(join(dir, 'p.yaml'), PIPELINE);
    collector = await startCollectorIn(dir);
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
    await collector?.kill();
    receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("posts the run's link while the gate waits; the run id in it is the one to approve", async () => {
    const secret = readFileSync(join(collector.stateDir, 'collector-secret'), 'utf8').trim();
    const env = { ...process.env, KILN_COLLECTOR_SECRET: secret, KILN_COLLECTOR: collector.url, KILN_TOKEN: '' };
    const r = startKilnRun(['p.yaml', '--param', `hook=${hook}`], { cwd: dir, env });
    const body = await announced;
    const link = String(body.link);
    expect(link).toMatch(new RegExp(`^${collector.url}/#/run/release-[a-z0-9]{5}$`));
    expect(body.message).toBe(`release waits for approval: ${link}`);
    const id = link.slice(link.lastIndexOf('/') + 1);
    expect((await request(link.split('#')[0]!)).statusCode).toBe(200); // the web UI answers there
    await r.stderrShows('awaiting approval: ship it?');
    const kiln = (args: string[], extra: Record<string, string> = {}) =>
      run(process.execPath, [KILN, ...args], { cwd: dir, env: { ...env, ...extra } });
    const alice = (await kiln(['token', 'create', 'alice', '--group', 'release-team'])).stdout.trim();
    await kiln(['approve', id, 'gate', '-m', 'announced and checked'], { KILN_TOKEN: alice });
    const { code, record } = await r.done;
    expect(code).toBe(0);
    expect(record.id).toBe(id);
    expect(record.tasks.map((t) => [t.name, t.status])).toEqual([
      ['build', 'Succeeded'],
      ['gate', 'Succeeded'],
      ['announce', 'Succeeded'],
      ['ship', 'Succeeded'],
    ]);
    expect(record.tasks.find((t) => t.name === 'gate')!.approval).toMatchObject({ decision: 'approved', by: 'alice' });
  });
});
