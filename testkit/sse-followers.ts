// N followers (SSE) of one run in a process of their own, so a bench's ingest does not share an
// event loop with them. argv: URL READER_TOKEN RUN N. Prints "ready" once every stream is open,
// and "all BYTES" once every stream has ended (the collector sends `event: end` after a finished
// run's last line), with the bytes received, then exits.
import { request } from 'node:http';

const [url, token, run, n] = process.argv.slice(2);
let bytes = 0;
let open = 0;
let ended = 0;
for (let i = 0; i < Number(n); i++) {
  const req = request(`${url}/v1/runs/${run}/logs?follow=1`, { headers: { authorization: `Bearer ${token}` } });
  req.on('response', (res) => {
    res.on('data', (d: Buffer) => (bytes += d.length));
    res.on('end', () => {
      if (++ended === Number(n)) process.stdout.write(`all ${bytes}\n`);
    });
    if (++open === Number(n)) process.stdout.write('ready\n');
  });
  req.on('error', (err) => {
    process.stderr.write(`follower: ${err.message}\n`);
    process.exit(1);
  });
  req.end();
}
