// notify/email: one plain-text message over SMTP (RFC 5321), inlined into the step by kiln after
// notify/text.js. The step file has no extension and may run as CommonJS or as an ES module, so
// node's modules come through dynamic import(). Plain SMTP (a relay on port 25/587 without
// STARTTLS) or TLS from the first byte (port 465); AUTH PLAIN when a username is given.
const MAIL_SAFE = /^[^\s<>,;"]+@[^\s<>,;"]+$/; // no CR/LF or brackets: nothing can smuggle a command or header

/** Reads SMTP replies: each `next()` resolves with one whole reply ("250-…\r\n250 ok" ends at "250 "). */
function replies(socket) {
  let buffer = '';
  let lines = [];
  const ready = [];
  const waiting = [];
  let failure;
  socket.on('data', (chunk) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) {
        const reply = lines.join(' | ');
        lines = [];
        if (waiting.length) waiting.shift().resolve(reply);
        else ready.push(reply);
      }
    }
  });
  const fail = (err) => {
    failure = err;
    while (waiting.length) waiting.shift().reject(err);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the server closed the connection')));
  return () =>
    ready.length
      ? Promise.resolve(ready.shift())
      : failure
        ? Promise.reject(failure)
        : new Promise((resolve, reject) => waiting.push({ resolve, reject }));
}

/** A header value: as is when ASCII, else RFC 2047 base64 UTF-8. */
function headerText(text) {
  const oneLine = text.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(oneLine) ? oneLine : `=?UTF-8?B?${Buffer.from(oneLine).toString('base64')}?=`;
}

async function main() {
  const host = env.MAIL_HOST;
  const port = Number(env.MAIL_PORT);
  const seconds = Number(env.NOTIFY_TIMEOUT || '10');
  const to = (env.MAIL_TO || '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (!host || !/^[\w.:-]+$/.test(host))
    throw new Error(`the host param must be a host name or address, got "${host}"`);
  if (!(port > 0 && port < 65536 && Number.isInteger(port)))
    throw new Error(`the port param must be a port number, got "${env.MAIL_PORT}"`);
  if (!(seconds > 0))
    throw new Error(`the timeout param must be a positive number of seconds, got "${env.NOTIFY_TIMEOUT}"`);
  if (!['true', 'false'].includes(env.MAIL_TLS))
    throw new Error(`the tls param must be true or false, got "${env.MAIL_TLS}"`);
  for (const address of [env.MAIL_FROM, ...to])
    if (!MAIL_SAFE.test(address || '')) throw new Error(`not a plain e-mail address: "${address}"`);
  if (to.length === 0) throw new Error('the to param names no recipient');

  const net = await import('node:net');
  const tls = await import('node:tls');
  const socket = env.MAIL_TLS === 'true' ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
  socket.setEncoding('utf8');
  socket.setTimeout(seconds * 1000, () => socket.destroy(new Error(`no answer within ${seconds}s`)));
  const next = replies(socket);
  const step = async (command, ok, shown = command) => {
    if (command !== undefined) socket.write(`${command}\r\n`);
    const reply = await next();
    if (!ok.includes(reply.slice(0, 3)))
      throw new Error(`SMTP ${host}:${port} answered "${reply}" to ${shown ?? 'the greeting'}`);
  };
  try {
    await step(undefined, ['220']);
    await step('EHLO localhost', ['250']);
    if (env.MAIL_USERNAME)
      await step(
        `AUTH PLAIN ${Buffer.from(`\0${env.MAIL_USERNAME}\0${env.MAIL_PASSWORD}`).toString('base64')}`,
        ['235'],
        'AUTH PLAIN',
      );
    await step(`MAIL FROM:<${env.MAIL_FROM}>`, ['250']);
    for (const rcpt of to) await step(`RCPT TO:<${rcpt}>`, ['250', '251']);
    await step('DATA', ['354']);
    const text = env.NOTIFY_MESSAGE || defaultText();
    const headers = [
      `From: ${env.MAIL_FROM}`,
      `To: ${to.join(', ')}`,
      `Subject: ${headerText(env.MAIL_SUBJECT || defaultText())}`,
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
    ];
    // Lines starting with "." are doubled (dot-stuffing) so none ends the message early.
    const body = text.split(/\r?\n/).map((line) => (line.startsWith('.') ? `.${line}` : line));
    await step(`${[...headers, '', ...body].join('\r\n')}\r\n.`, ['250'], 'the message');
    await step('QUIT', ['221']);
  } finally {
    socket.destroy();
  }
  console.log(`mailed ${to.join(', ')} through ${host}:${port}`);
}

main().catch((err) => {
  console.error(`notify/email: ${err.message}`);
  process.exitCode = 1;
});
