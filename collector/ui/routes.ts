// GET / (the web UI), GET /ui/app.js, GET /ui/app.css. Served without a token: they hold no data.
// A strict Content-Security-Policy allows only these same-origin files (no inline script, no
// other origin), so even a log line that got into the DOM as markup could not run.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CollectorContext } from '../context.js';
import { APP_JS } from './assets.gen.js';
import { APP_CSS, INDEX_HTML } from './page.js';

export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(reply: FastifyReply, type: string, body: string) {
  return reply
    .header('content-security-policy', UI_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .type(type)
    .send(body);
}

export async function uiRoutes(app: FastifyInstance, _ctx: CollectorContext): Promise<void> {
  app.get('/', async (_req, reply) => send(reply, 'text/html; charset=utf-8', INDEX_HTML));
  app.get('/ui/app.js', async (_req, reply) => send(reply, 'text/javascript; charset=utf-8', APP_JS));
  app.get('/ui/app.css', async (_req, reply) => send(reply, 'text/css; charset=utf-8', APP_CSS));
}
