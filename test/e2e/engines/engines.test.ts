// The same pipelines on the host engine and on podman give the same records (timings, ids and the
// engine's name aside) and the same stored logs; podman leaves no container, pod or volume behind
// after a run that succeeds, fails, times out or is cancelled with Ctrl-C.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../../contract/index.js';
import { leftovers, startEngineSuite, type Containers } from '../../../testkit/podman.js';
import { kilnLogs, kilnRun, startKilnRun } from '../../../testkit/kiln-cli.js';
import { waitFor } from '../../../testkit/log-proxy-pod.js';
import { cachePipeline, parityPipeline, tektonStepsRun, timeoutPipeline } from './pipelines.js';

let c: Containers;
let image: string;
let root: string;

beforeAll(async () => {
  ({ c, image, root } = await startEngineSuite('kiln-engines-'));
}, 300_000);

afterAll(() => c?.close());

/** A record with what differs by nature between runs taken out: times, ids, the engine's name. */
function comparable(record: RunRecord): unknown {
  return JSON.parse(
    // The run's generated name also stands in a message naming its task run.
    JSON.stringify(record, (key, value: unknown) =>
      /At$|^id$|^engine$|^taskRun$|^durationMs$|^seconds$|^restoredBytes$/.test(key) ? undefined : value,
    ).replaceAll(record.id, 'RUN'),
  );
}

/**
 * Logs with the places the agent names taken out: a step's run directory (/kiln in a Pod, the task
 * run directory on the host), the cache store (the collector from a Pod, --cache-dir on the host) and
 * the archive's size (gzip keeps the files' times).
 */
const samePlaces = (logs: string) =>
  logs
    .replace(/\S*\/run\/(\d+)\/out/g, 'RUN/$1/out')
    .replace(/ (to|from) (\/|http:)\S+$/gm, ' $1 STORE')
    .replace(/\(\d+ bytes\)/g, '(N bytes)');

async function onEngine(engine: 'host' | 'podman', name: string, text: string, runs = 1) {
  const cwd = join(root, `${name}-${engine}`);
  await mkdir(cwd, { recursive: true });
  await writeFile(join(cwd, 'pipeline.yaml'), text);
  const out = [];
  for (let i = 0; i < runs; i++) {
    const run = await kilnRun(['pipeline.yaml', '--engine', engine], { cwd, env: c.env });
    out.push({ ...run, logs: await kilnLogs(run.record.id, { cwd, env: c.env }) });
    if (engine === 'podman') expect(await leftovers(c)).toEqual([]);
  }
  return out;
}

describe('host and podman engines', () => {
  it('give the same records and logs for results, workspaces, when, onError, a failing step and finally', async () => {
    const [host] = await onEngine('host', 'parity', parityPipeline(image));
    const [pod] = await onEngine('podman', 'parity', parityPipeline(image));
    expect(pod!.stderr).toContain('kiln: engine podman (--engine podman)');
    expect(host!.stderr).toContain(`the host engine ignores \`image\` and \`resources\``);
    expect(pod!.record.engine).toBe('podman');
    expect(pod!.code).toBe(host!.code);
    expect(pod!.record.status).toBe('Failed');
    expect(comparable(pod!.record)).toEqual(comparable(host!.record));
    expect(pod!.record.tasks.find((t) => t.name === 'make')!.results).toEqual({ greeting: 'hello world' });
    expect(samePlaces(pod!.logs)).toBe(samePlaces(host!.logs));
    expect(pod!.logs).toContain('got hello world');
  }, 300_000);

  it("give the same records and logs for Tekton's step when, step results and artifacts", async () => {
    const [host] = await onEngine('host', 'tekton-steps', tektonStepsRun(image));
    const [pod] = await onEngine('podman', 'tekton-steps', tektonStepsRun(image));
    expect(pod!.record.status, pod!.stderr).toBe('Succeeded');
    expect(comparable(pod!.record)).toEqual(comparable(host!.record));
    const steps = pod!.record.tasks.find((t) => t.name === 'make')!.steps;
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ['produce', 'Succeeded'],
      ['by-result', 'Skipped'],
      ['by-cel', 'Succeeded'],
      ['action', 'Succeeded'],
    ]);
    expect(samePlaces(pod!.logs)).toBe(samePlaces(host!.logs));
    expect(pod!.logs).toContain('skipped: when expression "yes in [no]" is false');
    expect(pod!.logs).toContain('cel held; silent is $(steps.produce.results.silent)');
    expect(pod!.logs).toContain('image [{"uri":"pkg:oci/app"}]');
    expect(pod!.logs).toContain('action got yes');
    expect(pod!.logs).toContain('bundle [{"uri":"pkg:generic/b"}]');
  }, 300_000);

  it('restore a dependency cache on the second run on both', async () => {
    const host = await onEngine('host', 'cache', cachePipeline(image), 2);
    const pod = await onEngine('podman', 'cache', cachePipeline(image), 2);
    expect(pod.map((r) => comparable(r.record))).toEqual(host.map((r) => comparable(r.record)));
    expect(pod[1]!.record.tasks[0]!.steps[0]!.cache).toMatchObject({ hit: true });
    expect(pod[1]!.logs).toContain('deps restored');
    expect(pod.map((r) => samePlaces(r.logs))).toEqual(host.map((r) => samePlaces(r.logs)));
  }, 300_000);

  it('time a run out alike, and podman removes the Pod', async () => {
    const [host] = await onEngine('host', 'timeout', timeoutPipeline(image));
    const [pod] = await onEngine('podman', 'timeout', timeoutPipeline(image));
    expect(pod!.record.status).toBe('TimedOut');
    expect(comparable(pod!.record)).toEqual(comparable(host!.record));
  }, 300_000);

  it('stop the Pod on Ctrl-C and leave nothing behind', async () => {
    const cwd = join(root, 'cancel');
    await mkdir(cwd, { recursive: true });
    await writeFile(join(cwd, 'pipeline.yaml'), timeoutPipeline(image).replace('timeout: 3s\n', ''));
    const run = startKilnRun(['pipeline.yaml', '--engine', 'podman'], { cwd, env: c.env });
    await run.stderrShows('started');
    run.child.kill('SIGINT');
    const { code, record } = await run.done;
    expect(code).toBe(130);
    expect(record.status).toBe('Cancelled');
    expect(record.tasks[0]!.status).toBe('Cancelled');
    expect(await leftovers(c)).toEqual([]);
  }, 300_000);

  it('remove the Pod when kiln run is SIGKILLed and runs no cleanup', async () => {
    const cwd = join(root, 'killed');
    await mkdir(cwd, { recursive: true });
    await writeFile(join(cwd, 'pipeline.yaml'), timeoutPipeline(image).replace('timeout: 3s\n', ''));
    const run = startKilnRun(['pipeline.yaml', '--engine', 'podman'], { cwd, env: c.env });
    await run.stderrShows('started');
    expect((await leftovers(c)).some((l) => l.startsWith('pod '))).toBe(true);
    run.child.kill('SIGKILL');
    await run.done.catch(() => undefined);
    // The watchdog removes it once the process is gone: wait for that, not for a time.
    await waitFor('the Pod to be removed', async () => (await leftovers(c)).length === 0, 120_000);
  }, 300_000);
});
