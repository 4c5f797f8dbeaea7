// notify/email against an SMTP server on 127.0.0.1 started here: the envelope, AUTH PLAIN, the
// headers and the dot-stuffed body it sends, and a refused recipient failing the task.
import { type AddressInfo, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertBuilt, runPipeline, scratch } from './helpers.js';

interface Session {
  commands: string[];
  data?: string;
}

const tmp = scratch('email');
const sessions: Session[] = [];
let server: Server;
let port: number;

/** A minimal SMTP server: accepts everything, except recipients at refused.example. */
beforeAll(async () => {
  assertBuilt();
  server = createServer((socket) => {
    const session: Session = { commands: [] };
    sessions.push(session);
    let buffer = '';
    let inData = false;
    socket.setEncoding('utf8');
    socket.write('220 test ESMTP\r\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          session.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write('250 queued\r\n');
          continue;
        }
        const end = buffer.indexOf('\r\n');
        if (end < 0) return;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        session.commands.push(line);
        const verb = line.split(/[ :]/)[0]!.toUpperCase();
        if (verb === 'EHLO') socket.write('250-test\r\n250 AUTH PLAIN\r\n');
        else if (verb === 'AUTH') socket.write('235 ok\r\n');
        else if (verb === 'RCPT' && line.includes('@refused.example')) socket.write('550 5.1.1 no such user\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  tmp.remove();
});

it('sends the envelope, AUTH PLAIN and a UTF-8 text message; a refused recipient fails the task', async () => {
  const r = await runPipeline(
    tmp.dir,
    'mail',
    `name: mail
tasks:
  sent:
    uses: notify/email
    with:
      host: 127.0.0.1
      port: "${port}"
      username: ci
      password: s3cret
      from: kiln@ci.example
      to: "dev@team.example, ops@team.example"
      subject: "Build ✓ done"
      message: "line one\\n.starts with a dot"
      status: Succeeded
  refused:
    uses: notify/email
    with: { host: 127.0.0.1, port: "${port}", from: kiln@ci.example, to: nobody@refused.example }
`,
  );
  expect(r.code).toBe(1);
  expect(Object.fromEntries(r.record.tasks.map((t) => [t.name, t.status]))).toEqual({
    sent: 'Succeeded',
    refused: 'Failed',
  });
  const sent = sessions.find((s) => s.commands.includes('RCPT TO:<dev@team.example>'))!;
  expect(sent.commands).toEqual([
    'EHLO localhost',
    `AUTH PLAIN ${Buffer.from('\0ci\0s3cret').toString('base64')}`,
    'MAIL FROM:<kiln@ci.example>',
    'RCPT TO:<dev@team.example>',
    'RCPT TO:<ops@team.example>',
    'DATA',
    'QUIT',
  ]);
  const [head, body] = sent.data!.split('\r\n\r\n');
  expect(head!.split('\r\n')).toEqual([
    'From: kiln@ci.example',
    'To: dev@team.example, ops@team.example',
    `Subject: =?UTF-8?B?${Buffer.from('Build ✓ done').toString('base64')}?=`,
    expect.stringMatching(/^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
  ]);
  expect(body).toBe('line one\r\n..starts with a dot');
  expect(r.stderr).toContain(`sent/send | mailed dev@team.example, ops@team.example through 127.0.0.1:${port}`);
  expect(r.stderr).toContain(
    `refused/send | notify/email: SMTP 127.0.0.1:${port} answered "550 5.1.1 no such user" to RCPT TO:<nobody@refused.example>`,
  );
});
