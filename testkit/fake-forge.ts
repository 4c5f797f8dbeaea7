// A forge's commit-status API written for the tests and the bench (GitHub and GitLab have no build here;
// test/cli/gitea.test.ts runs a real Gitea):
// GitHub's and Gitea's POST …/repos/{owner}/{repo}/statuses/{sha}, GitLab's POST
// …/projects/{id}/statuses/{sha}, each recorded with its token; `failNext` answers the next
// requests 500 so retries can be seen. `waitFor` resolves on a status, not on a timer.
import { createServer, type Server } from 'node:http';

export interface PostedStatus {
  path: string;
  token: string;
  body: Record<string, string>;
}

export interface FakeForge {
  url: string;
  statuses: PostedStatus[];
  /** Requests answered 500 before one is taken. */
  failNext(n: number): void;
  waitFor(match: (s: PostedStatus) => boolean): Promise<PostedStatus>;
  close(): Promise<void>;
}

export async function startFakeForge(): Promise<FakeForge> {
  const statuses: PostedStatus[] = [];
  const waiters: { match: (s: PostedStatus) => boolean; done: (s: PostedStatus) => void }[] = [];
  let failing = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (failing > 0) {
        failing--;
        res.writeHead(500).end('{"message":"the forge is having a bad day"}');
        return;
      }
      if (req.method !== 'POST' || !/\/statuses\/[0-9a-f]+$/.test(req.url ?? '')) {
        res.writeHead(404).end('{"message":"Not Found"}');
        return;
      }
      const auth = req.headers.authorization ?? '';
      const token = (req.headers['private-token'] as string | undefined) ?? auth.replace(/^(token|Bearer) /, '');
      const s = { path: req.url!, token, body: JSON.parse(body) as Record<string, string> };
      statuses.push(s);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: statuses.length }));
      for (const w of waiters.filter((w) => w.match(s))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(s);
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    statuses,
    failNext: (n) => void (failing = n),
    waitFor: (match) => {
      const seen = statuses.find(match);
      return seen ? Promise.resolve(seen) : new Promise((done) => waiters.push({ match, done }));
    },
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
