// The notify/* templates post to an HTTP server on 127.0.0.1 started here: each service gets
// exactly the JSON body (and content-type, and signature) its incoming webhook documents, and
// a refusal — an HTTP error, an error code inside a 200, no answer, a bad URL — fails the task.
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runPipeline, scratch, task } from './helpers.js';

interface Received {
  path: string;
  query: URLSearchParams;
  contentType?: string;
  authorization?: string;
  body: Record<string, unknown>;
}

/** What each path answers: status, content-type, body; /slow never answers. */
const ANSWERS: Record<string, [number, string, string]> = {
  '/hook': [204, 'text/plain', ''],
  '/slack': [200, 'text/plain', 'ok'],
  '/dingtalk': [200, 'application/json', '{"errcode":0,"errmsg":"ok"}'],
  '/feishu': [200, 'application/json', '{"code":0,"msg":"success","data":{}}'],
  '/wecom': [200, 'application/json', '{"errcode":0,"errmsg":"ok"}'],
  '/down': [500, 'text/plain', 'boom'],
  '/wecom-refuses': [200, 'application/json', '{"errcode":93000,"errmsg":"invalid webhook url"}'],
  '/feishu-refuses': [200, 'application/json', '{"code":19021,"msg":"sign match fail"}'],
};

const tmp = scratch('notify');
const received: Received[] = [];
let server: Server;
let base: string;

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

beforeAll(async () => {
  assertBuilt();
  server = createServer((req, res) => {
    void bodyOf(req).then((text) => {
      const url = new URL(req.url ?? '/', 'http://x');
      received.push({
        path: url.pathname,
        query: url.searchParams,
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body: JSON.parse(text) as Record<string, unknown>,
      });
      const answer = ANSWERS[url.pathname];
      if (!answer) return; // /slow: the client's timeout has to end it
      res.writeHead(answer[0], { 'content-type': answer[1] }).end(answer[2]);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  tmp.remove();
});

const one = (path: string) => {
  const found = received.filter((r) => r.path === path);
  expect(found, path).toHaveLength(1);
  return found[0]!;
};
const hmac = (key: string, message: string) => createHmac('sha256', key).update(message).digest('base64');

describe('notify templates', () => {
  it('post each service its documented JSON body as application/json, signed where asked', async () => {
    const before = Date.now();
    const r = await runPipeline(
      tmp.dir,
      'notify',
      `name: notify
tasks:
  work: { steps: [{ run: "true" }] }
finally:
  hook:
    uses: notify/webhook
    with: { url: "${base}/hook", status: "$(tasks.status)", message: deployed 1.2, token: t0k }
  slack:
    uses: notify/slack
    with: { url: "${base}/slack", status: "$(tasks.work.status)" }
  dingtalk:
    uses: notify/dingtalk
    with: { url: "${base}/dingtalk?access_token=tok", message: "build ok", secret: SECding }
  feishu:
    uses: notify/feishu
    with: { url: "${base}/feishu", message: "build ok", secret: fsecret }
  wecom:
    uses: notify/wecom
    with: { url: "${base}/wecom?key=k1", message: "构建成功 ✓ \\"quoted\\"" }
`,
    );
    const after = Date.now();
    expect(r.code, r.stderr).toBe(0);
    const id = r.record.id;
    for (const path of ['/hook', '/slack', '/dingtalk', '/feishu', '/wecom'])
      expect(one(path).contentType, path).toBe('application/json');

    const hook = one('/hook');
    expect(hook.body).toEqual({
      pipeline: 'notify',
      run: id,
      status: 'Succeeded',
      message: 'deployed 1.2',
      link: '',
      failedTasks: [],
      duration: expect.stringMatching(/^\d+s$/),
    });
    expect(hook.authorization).toBe('Bearer t0k');
    expect(one('/slack').body).toEqual({
      text: expect.stringMatching(new RegExp(`^Kiln pipeline notify run ${id} ended Succeeded after \\d+s$`)),
    });
    expect(one('/slack').authorization).toBeUndefined();

    const ding = one('/dingtalk');
    expect(ding.body).toEqual({ msgtype: 'text', text: { content: 'build ok' } });
    const ts = ding.query.get('timestamp')!;
    expect(Number(ts)).toBeGreaterThanOrEqual(before);
    expect(Number(ts)).toBeLessThanOrEqual(after);
    expect(ding.query.get('access_token')).toBe('tok');
    expect(ding.query.get('sign')).toBe(hmac('SECding', `${ts}\nSECding`));

    const feishu = one('/feishu');
    const fts = String(feishu.body.timestamp);
    expect(feishu.body).toEqual({
      msg_type: 'text',
      content: { text: 'build ok' },
      timestamp: fts,
      sign: hmac(`${fts}\nfsecret`, ''),
    });
    expect(Number(fts)).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(Number(fts)).toBeLessThanOrEqual(Math.ceil(after / 1000));

    expect(one('/wecom').body).toEqual({ msgtype: 'text', text: { content: '构建成功 ✓ "quoted"' } });
    expect(one('/wecom').query.get('key')).toBe('k1');
    expect(r.stderr).toMatch(/wecom\/post \| notified wecom at http:\/\/127\.0\.0\.1:\d+ \(200\)/);
  });

  it('fail the task on an HTTP error, an error code in a 200 answer, no answer in time and a bad URL', async () => {
    const r = await runPipeline(
      tmp.dir,
      'refused',
      `name: refused
tasks:
  down: { uses: notify/webhook, with: { url: "${base}/down" } }
  wecom: { uses: notify/wecom, with: { url: "${base}/wecom-refuses?key=SECRETKEY" } }
  feishu: { uses: notify/feishu, with: { url: "${base}/feishu-refuses" } }
  slow: { uses: notify/slack, with: { url: "${base}/slow", timeout: "1" } }
  typo: { uses: notify/slack, with: { url: "hooks.slack.com/services/x" } }
`,
    );
    expect(r.code).toBe(1);
    expect(Object.fromEntries(r.record.tasks.map((t) => [t.name, t.status]))).toEqual({
      down: 'Failed',
      wecom: 'Failed',
      feishu: 'Failed',
      slow: 'Failed',
      typo: 'Failed',
    });
    expect(task(r.record, 'slow').steps[0]!.exitCode).toBe(1);
    expect(r.stderr).toMatch(/down\/post \| notify: POST http:\/\/127\.0\.0\.1:\d+ answered 500: boom/);
    expect(r.stderr).toMatch(
      /wecom\/post \| notify: POST http:\/\/127\.0\.0\.1:\d+ refused the message: errcode 93000: invalid webhook url/,
    );
    expect(r.stderr).toMatch(
      /feishu\/post \| notify: POST http:\/\/127\.0\.0\.1:\d+ refused the message: code 19021: sign match fail/,
    );
    expect(r.stderr).toMatch(/slow\/post \| notify: POST http:\/\/127\.0\.0\.1:\d+ failed: no answer within 1s/);
    expect(r.stderr).toContain(
      'typo/post | notify: the url param must be an http(s) URL, got "hooks.slack.com/services/x"',
    );
    expect(r.stderr).not.toContain('SECRETKEY'); // a webhook URL's path and query are its credential
    expect(one('/slow').body).toEqual({
      text: expect.stringMatching(/^Kiln pipeline refused run refused-\w+ finished after \d+s$/),
    });
  });

  it('say the failed tasks, the duration and the link to the run when a web UI is configured', async () => {
    process.env.KILN_UI_URL = 'https://ci.example.com/kiln/';
    let r;
    try {
      r = await runPipeline(
        tmp.dir,
        'failing',
        `name: failing
tasks:
  good: { steps: [{ run: "true" }] }
  bad: { steps: [{ run: "exit 3" }] }
finally:
  tell:
    uses: notify/webhook
    with: { url: "${base}/told", status: "$(tasks.status)" }
`,
      );
    } finally {
      delete process.env.KILN_UI_URL;
    }
    const id = r.record.id;
    const link = `https://ci.example.com/kiln/#/run/${id}`;
    expect(one('/told').body).toEqual({
      pipeline: 'failing',
      run: id,
      status: 'Failed',
      message: expect.stringMatching(
        new RegExp(
          `^Kiln pipeline failing run ${id} ended Failed after \\d+s; failed: bad ${link.replaceAll('/', '\\/').replaceAll('.', '\\.')}$`,
        ),
      ),
      link,
      failedTasks: ['bad'],
      duration: expect.stringMatching(/^\d+s$/),
    });
  });
});
