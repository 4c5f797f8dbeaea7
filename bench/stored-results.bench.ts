// Results too large for a termination message: a step's agent stores them at the collector and the
// engine reads them back. Per result of each size: the agent's PUT (HttpResultStore, checked) plus
// the engine's GET (CollectorClient.storedResult, checked), against a real collector on loopback
// (SQLite) — beside the same bytes written to and read back from a local file, in the same run.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResultStore } from '../agent/entrypoint/result-store.js';
import { startCollector } from '../collector/index.js';
import { CollectorClient } from '../collector/client/index.js';
import { taskRunResultsUrl } from '../contract/index.js';
import { fmt, median } from './agent-stats.js';
import { testClaims } from '../testkit/store-fixtures.js';

const ROUNDS = Number(process.env.KILN_BENCH_RUNS ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-results-'));
const collector = await startCollector({ db: `sqlite:${join(dir, 'kiln.db')}`, stateDir: dir, cache: false });
try {
  const client = new CollectorClient(collector.url);
  const token = collector.mintRunToken(testClaims('bench'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, token);
  await client.postRun(
    { id: 'bench', name: 'bench', status: 'Running', startedAt: new Date().toISOString(), params: {}, tasks: [] },
    token,
  );
  const store = new HttpResultStore(taskRunResultsUrl(collector.url, 'bench', 'bench-t'), tokenFile);

  console.log(
    `stored results, ${ROUNDS} rounds a size: agent PUT + engine GET (both checked) vs a local file write + read`,
  );
  for (const size of [8 * 1024, 64 * 1024, 1024 * 1024]) {
    const value = 'r'.repeat(size);
    const viaCollector: number[] = [];
    const viaFile: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      let t = performance.now();
      const ref = await store.put(`r${i}`, value);
      if ((await client.storedResult('bench', 'bench-t', ref, token)).length !== size) throw new Error('short read');
      viaCollector.push(performance.now() - t);
      t = performance.now();
      writeFileSync(join(dir, `f${i}`), value);
      if (readFileSync(join(dir, `f${i}`), 'utf8').length !== size) throw new Error('short read');
      viaFile.push(performance.now() - t);
    }
    const mbps = (ms: number) => `${(size / 1048576 / (ms / 1000)).toFixed(0)} MB/s`;
    const label = size >= 1048576 ? `${size / 1048576} MiB` : `${size / 1024} KiB`;
    console.log(
      `  ${label.padEnd(7)} collector median ${fmt(median(viaCollector))} (${mbps(median(viaCollector))})   file median ${fmt(median(viaFile))} (${mbps(median(viaFile))})`,
    );
  }
} finally {
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
}
