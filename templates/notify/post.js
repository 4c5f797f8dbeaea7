// Shared by the notify/* catalog templates: inlined into their step by kiln (an include line), so
// it must run as a CommonJS or an ES module alike (no require, no import: Node 20 globals only)
// and contain no "$" + "(" pair, which the engine would take for a reference.
// Everything comes from the environment the template sets from its params; `env` and
// `defaultText` come from notify/text.js, inlined just before.

async function hmacBase64(key, message) {
  const enc = new TextEncoder();
  const k = await crypto.subtle.importKey('raw', enc.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return Buffer.from(await crypto.subtle.sign('HMAC', k, enc.encode(message))).toString('base64');
}

// Each service's incoming-webhook request: its JSON body, URL, and how it reports a refusal
// inside a 200 answer (DingTalk and WeCom: errcode; Feishu: code).
const services = {
  async webhook(text) {
    const body = {
      pipeline: env.NOTIFY_PIPELINE,
      run: env.NOTIFY_RUN,
      status: env.NOTIFY_STATUS,
      message: text,
      link: env.NOTIFY_LINK,
      failedTasks: env.NOTIFY_FAILED ? env.NOTIFY_FAILED.split(', ') : [],
      duration: env.NOTIFY_DURATION,
    };
    return { url: env.NOTIFY_URL, body, refused: () => undefined };
  },
  async slack(text) {
    return { url: env.NOTIFY_URL, body: { text }, refused: () => undefined };
  },
  async dingtalk(text) {
    const url = new URL(env.NOTIFY_URL);
    if (env.NOTIFY_SECRET) {
      // Signed robots: HMAC-SHA256 of "<ms timestamp>\n<secret>" keyed by the secret, in the query.
      const timestamp = String(Date.now());
      url.searchParams.set('timestamp', timestamp);
      url.searchParams.set('sign', await hmacBase64(env.NOTIFY_SECRET, `${timestamp}\n${env.NOTIFY_SECRET}`));
    }
    return {
      url: url.href,
      body: { msgtype: 'text', text: { content: text } },
      refused: (r) => (r.errcode ? `errcode ${r.errcode}: ${r.errmsg}` : undefined),
    };
  },
  async feishu(text) {
    const body = { msg_type: 'text', content: { text } };
    if (env.NOTIFY_SECRET) {
      // Signed bots: HMAC-SHA256 keyed by "<s timestamp>\n<secret>" over nothing, in the body.
      body.timestamp = String(Math.floor(Date.now() / 1000));
      body.sign = await hmacBase64(`${body.timestamp}\n${env.NOTIFY_SECRET}`, '');
    }
    return { url: env.NOTIFY_URL, body, refused: (r) => (r.code ? `code ${r.code}: ${r.msg}` : undefined) };
  },
  async wecom(text) {
    return {
      url: env.NOTIFY_URL,
      body: { msgtype: 'text', text: { content: text } },
      refused: (r) => (r.errcode ? `errcode ${r.errcode}: ${r.errmsg}` : undefined),
    };
  },
};

async function main() {
  const service = services[env.NOTIFY_SERVICE];
  if (!service) throw new Error(`unknown NOTIFY_SERVICE "${env.NOTIFY_SERVICE}"`);
  if (!/^https?:\/\//.test(env.NOTIFY_URL || ''))
    throw new Error(`the url param must be an http(s) URL, got "${env.NOTIFY_URL}"`);
  const seconds = Number(env.NOTIFY_TIMEOUT || '10');
  if (!(seconds > 0))
    throw new Error(`the timeout param must be a positive number of seconds, got "${env.NOTIFY_TIMEOUT}"`);
  const { url, body, refused } = await service(env.NOTIFY_MESSAGE || defaultText());
  const headers = { 'content-type': 'application/json' };
  if (env.NOTIFY_TOKEN) headers.authorization = `Bearer ${env.NOTIFY_TOKEN}`;
  const shown = new URL(url).origin; // the rest of a webhook URL is often its secret
  let answer;
  try {
    answer = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(seconds * 1000),
    });
  } catch (err) {
    throw new Error(
      `POST ${shown} failed: ${err.name === 'TimeoutError' ? `no answer within ${seconds}s` : (err.cause?.message ?? err.message)}`,
    );
  }
  const text = await answer.text();
  if (answer.status < 200 || answer.status > 299)
    throw new Error(`POST ${shown} answered ${answer.status}: ${text.slice(0, 500)}`);
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined; // Slack answers "ok", a generic hook anything: the status is enough
  }
  const why = parsed && typeof parsed === 'object' ? refused(parsed) : undefined;
  if (why) throw new Error(`POST ${shown} refused the message: ${why}`);
  console.log(`notified ${env.NOTIFY_SERVICE} at ${shown} (${answer.status})`);
}

main().catch((err) => {
  console.error(`notify: ${err.message}`);
  process.exitCode = 1;
});
