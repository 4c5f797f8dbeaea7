// What the kiln serve benches share: a scratch directory with a triggers file, its secret and the
// pipelines they deliver to, a signed delivery sender with many in flight, and a median.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deliver } from './kiln-serve.js';

export const BENCH_SECRET = 'bench-hook-secret';

/** `pipelines`: file name → its YAML; each gets a trigger of the same name (generic source, revision from body.after). */
export function serveScratch(pipelines: Record<string, string>, extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-serve-bench-'));
  writeFileSync(join(dir, 'hook-secret'), BENCH_SECRET);
  const triggers = Object.entries(pipelines).map(([name, yaml]) => {
    writeFileSync(join(dir, `${name}.yaml`), yaml);
    return `  - name: ${name}\n    pipeline: ${name}.yaml\n    source: generic\n    secretFile: hook-secret\n    branches: [main]\n    params: { revision: $(body.after) }\n${extra}`;
  });
  writeFileSync(join(dir, 'triggers.yaml'), `triggers:\n${triggers.join('')}`);
  return dir;
}

export const pushBody = (after: string, branch = 'main') => ({ ref: `refs/heads/${branch}`, after });

/** `count` deliveries, `parallel` in flight; each answer's status is checked. The wall time in ms. */
export async function deliverMany(
  url: string,
  trigger: string,
  count: number,
  parallel: number,
  body: (i: number) => unknown,
  expectStatus: number,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        const r = await deliver(url, trigger, { source: 'generic', secret: BENCH_SECRET, id: `d-${i}`, body: body(i) });
        if (r.status !== expectStatus) throw new Error(`delivery ${i}: ${r.status} ${JSON.stringify(r.body)}`);
      }
    }),
  );
  return performance.now() - start;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
