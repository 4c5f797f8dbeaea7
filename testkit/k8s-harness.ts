// Wiring for reconciler tests and the benchmark: the loopback API server, a real collector on
// SQLite, and a controller connected to both through the real client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from '../collector/index.js';
import { CollectorClient, collectorApprovals, collectorReporter } from '../collector/client/index.js';
import { createKubeClient, type KubeClient } from '../runtimes/kubernetes/client.js';
import { KilnController, type ControllerOptions } from '../controller/reconciler.js';
import { tokenBucket } from '../runtimes/kubernetes/rate-limit.js';
import { collectorRunId } from '../runtimes/kubernetes/names.js';
import type { PipelineRunResource } from '../runtimes/kubernetes/resources.js';
import { specDeps } from '../controller/spec-deps.js';
import { FakeApiServer } from './fake-apiserver.js';
import { loopbackKubeConfig } from './kubeconfig.js';

export const NS = 'ci';

/** A three-task DAG: b reads a's result (so waits for it), c needs a and b. */
export const DAG_PIPELINE = {
  tasks: {
    a: { image: 'busybox', results: ['v'], steps: [{ run: 'echo hi > $(results.v.path)' }] },
    b: { image: 'busybox', steps: [{ run: 'echo got $(tasks.a.results.v)' }] },
    c: {
      image: 'busybox',
      needs: ['a', 'b'],
      steps: [
        { name: 'one', run: 'echo c' },
        { name: 'two', run: 'echo d' },
      ],
    },
  },
};

export function pipelineRun(name: string, pipelineSpec: Record<string, unknown> = DAG_PIPELINE): PipelineRunResource {
  return { apiVersion: 'kiln.dev/v1alpha1', kind: 'PipelineRun', metadata: { name }, spec: { pipelineSpec } };
}

export interface Harness {
  server: FakeApiServer;
  client: KubeClient;
  collector?: RunningCollector;
  collectorUrl: string;
  controller(over?: Partial<ControllerOptions>): Promise<KilnController>;
  /** The collector's id of a PipelineRun the server holds (runtimes/kubernetes collectorRunId). */
  runId(name: string, namespace?: string): string;
  close(): Promise<void>;
}

export async function startHarness(
  o: { collector?: boolean | 'later'; qps?: number; burst?: number; history?: number; version?: string } = {},
): Promise<Harness> {
  const server = new FakeApiServer({ history: o.history, version: o.version });
  await server.start();
  const kc = loopbackKubeConfig(server.url, NS);
  const dir = mkdtempSync(join(tmpdir(), 'kiln-k8s-'));
  const secret = 'test-collector-secret';
  const collectorOpts = { db: `sqlite:${join(dir, 'kiln.db')}`, stateDir: dir, secret, logger: false };
  let collector = o.collector === true || o.collector === undefined ? await startCollector(collectorOpts) : undefined;
  let collectorUrl = collector?.url ?? '';
  if (o.collector === 'later') {
    // Reserve a port the collector will listen on once the test starts it.
    const probe = await startCollector({ ...collectorOpts, listen: '127.0.0.1:0' });
    collectorUrl = probe.url;
    await probe.close();
  }
  const controllers: KilnController[] = [];
  const limiter = () => (o.qps ? tokenBucket({ qps: o.qps, burst: o.burst ?? o.qps * 2 }) : undefined);
  const h: Harness = {
    server,
    client: createKubeClient(kc),
    get collector() {
      return collector;
    },
    collectorUrl,
    async controller(over = {}) {
      const { mintRunToken } = await import('../collector/run-token.js');
      const c = new KilnController({
        client: createKubeClient(kc, limiter()),
        namespace: NS,
        agentImage: 'localhost/kiln-agent:test',
        workers: 2,
        retryMs: 50,
        archiveGraceMs: 60 * 60_000,
        pipelines: specDeps,
        collector:
          o.collector === false
            ? undefined
            : {
                url: collectorUrl,
                tokenFor: (claims) => mintRunToken(secret, claims),
                reporterFor: (_run, token) => collectorReporter(new CollectorClient(collectorUrl), token),
                archive: async (record, token) => void (await new CollectorClient(collectorUrl).postRun(record, token)),
                storedResult: (run, taskRun, ref, token) =>
                  new CollectorClient(collectorUrl).storedResult(run, taskRun, ref, token),
                approvals: (token) => collectorApprovals(new CollectorClient(collectorUrl), token),
              },
        ...over,
      });
      controllers.push(c);
      await c.start();
      return c;
    },
    runId(name, namespace = NS) {
      const run = server.get('pipelineruns', namespace, name);
      if (!run) throw new Error(`no PipelineRun ${namespace}/${name}`);
      return collectorRunId(namespace, name, run.metadata.uid!);
    },
    async close() {
      for (const c of controllers) c.stop();
      await server.stop();
      await collector?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (o.collector === 'later') {
    Object.defineProperty(h, 'startCollector', {
      value: async () => {
        collector = await startCollector({ ...collectorOpts, listen: collectorUrl.replace('http://', '') });
        return collector;
      },
    });
  }
  return h;
}

/** Starts the collector of a harness made with `collector: 'later'`. */
export const startLateCollector = (h: Harness) =>
  (h as unknown as { startCollector(): Promise<RunningCollector> }).startCollector();
