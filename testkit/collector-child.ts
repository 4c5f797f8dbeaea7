// A collector in a process of its own, so a bench can measure it from outside (RSS, CPU time)
// while its clients run in the bench's process. argv: STATE_DIR SECRET [LIMITS_JSON]; prints its
// URL on stdout once it listens; SIGTERM closes it.
import { join } from 'node:path';
import { startCollector } from '../collector/index.js';

const [dir, secret, limits] = process.argv.slice(2);
const c = await startCollector({
  db: `sqlite:${join(dir, 'kiln.db')}`,
  stateDir: dir,
  secret,
  limits: limits ? JSON.parse(limits) : undefined,
  cache: false,
});
process.stdout.write(`${c.url}\n`);
process.once('SIGTERM', () => void c.close().then(() => process.exit(0)));
