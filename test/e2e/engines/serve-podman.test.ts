// kiln serve with the podman engine: a signed delivery runs its pipeline's task run as a Pod, the
// step in its image, its logs shipped to kiln serve's collector, and nothing left behind.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildStepImage, containers, leftovers, type Containers } from '../../../testkit/podman.js';
import { deliver, followRun, startKilnServe } from '../../../testkit/kiln-serve.js';
import { REPO } from '../../../testkit/kiln-cli.js';

let c: Containers;
let image: string;
let dir: string;

beforeAll(async () => {
  c = containers('kiln-serve-podman-');
  image = await buildStepImage(c, REPO);
  dir = mkdtempSync(join(tmpdir(), 'kiln-serve-podman-'));
}, 300_000);
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('runs a triggered pipeline as a Pod and removes it', { timeout: 300_000 }, async () => {
  writeFileSync(join(dir, 'secret'), 'podman-hook-secret');
  writeFileSync(
    join(dir, 'pipeline.yaml'),
    `name: in-pod\nparams:\n  revision: {}\ntasks:\n  build:\n    image: ${image}\n    steps:\n      - run: echo "in a pod at $(params.revision)"\n`,
  );
  writeFileSync(
    join(dir, 'triggers.yaml'),
    'triggers:\n  - name: pod\n    pipeline: pipeline.yaml\n    source: gitea\n    secretFile: secret\n    engine: podman\n    params: { revision: $(body.after) }\n',
  );
  const serve = await startKilnServe(['--triggers', 'triggers.yaml'], { cwd: dir, env: c.env });
  try {
    const d = await deliver(serve.url, 'pod', {
      source: 'gitea',
      secret: 'podman-hook-secret',
      id: 'p-1',
      body: { ref: 'refs/heads/main', after: 'cafe' },
    });
    expect(d.status).toBe(202);
    const record = await followRun(serve, d.body.run as string);
    expect(record.status, serve.stderr()).toBe('Succeeded');
    expect(serve.stderr()).toContain("engine podman (the trigger's engine: podman)");
    const logs = await fetch(`${serve.url}/v1/runs/${record.id}/logs`, {
      headers: { authorization: `Bearer ${serve.token}` },
    });
    expect(JSON.stringify(await logs.json())).toContain('in a pod at cafe');
    expect(await leftovers(c)).toEqual([]);
  } finally {
    await serve.stop();
  }
});
