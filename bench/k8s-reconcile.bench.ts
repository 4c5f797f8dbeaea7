// 500 PipelineRuns of a three-task pipeline created at once against the loopback API server:
// how long until every first-task Pod exists, and how many API requests each run cost, with the
// controller's default client QPS (5, burst 10, 2 workers) and raised.
//
// At the default QPS a run costs ≥3 requests, so 500 runs would take ≥5 minutes: that row uses
// KILN_BENCH_K8S_SMALL runs (default 25) and prints the 500-run figure it extrapolates to.
// Reference (not measured here): Tekton at its default 2 threads / QPS 5 queued 500 TaskRuns for a
// 4-minute median (tektoncd/pipeline#1281).
import { createKubeClient } from '../runtimes/kubernetes/client.js';
import { KilnController } from '../controller/reconciler.js';
import { tokenBucket, unlimited } from '../runtimes/kubernetes/rate-limit.js';
import { specDeps } from '../controller/spec-deps.js';
import { FakeApiServer } from '../testkit/fake-apiserver.js';
import { DAG_PIPELINE, NS, pipelineRun } from '../testkit/k8s-harness.js';
import { loopbackKubeConfig } from '../testkit/kubeconfig.js';

const RUNS = Number(process.env.KILN_BENCH_K8S_RUNS ?? 500);
const SMALL = Number(process.env.KILN_BENCH_K8S_SMALL ?? 25);

interface Row {
  label: string;
  runs: number;
  workers: number;
  qps?: number;
  burst?: number;
}

async function measure(row: Row) {
  const server = new FakeApiServer();
  await server.start();
  const kc = loopbackKubeConfig(server.url, NS);
  const controller = new KilnController({
    client: createKubeClient(kc, row.qps ? tokenBucket({ qps: row.qps, burst: row.burst! }) : unlimited),
    namespace: NS,
    agentImage: 'localhost/kiln-agent:bench',
    workers: row.workers,
    pipelines: specDeps,
  });
  await controller.start();
  const firstPods = new Set<string>();
  let allThere!: () => void;
  const done = new Promise<void>((r) => (allThere = r));
  server.onChange((type, plural, o) => {
    if (type === 'ADDED' && plural === 'pods' && o.metadata.name!.endsWith('-a')) {
      firstPods.add(o.metadata.name!);
      if (firstPods.size === row.runs) allThere();
    }
  });
  const before = server.totalRequests();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: row.runs }, (_, i) =>
      fetch(`${server.url}/apis/kiln.dev/v1alpha1/namespaces/${NS}/pipelineruns`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pipelineRun(`run-${i}`, DAG_PIPELINE)),
      }),
    ),
  );
  const created = performance.now() - t0;
  await done;
  const seconds = (performance.now() - t0) / 1000;
  const requests = server.totalRequests() - before - row.runs; // the bench's own creates excluded
  controller.stop();
  await server.stop();
  return { seconds, created: created / 1000, perRun: requests / row.runs };
}

const rows: Row[] = [
  { label: 'default (2 workers, qps 5, burst 10)', runs: Math.min(SMALL, RUNS), workers: 2, qps: 5, burst: 10 },
  { label: 'raised (8 workers, qps 100, burst 200)', runs: RUNS, workers: 8, qps: 100, burst: 200 },
  { label: 'unlimited (8 workers, no client limit)', runs: RUNS, workers: 8 },
];

console.log(
  `k8s-reconcile: PipelineRuns of a three-task pipeline created at once; time until every first-task Pod exists`,
);
console.log(
  'config                                     runs   all first Pods   per run (ms)   API requests/run   500-run estimate',
);
for (const row of rows) {
  const r = await measure(row);
  const estimate =
    row.runs === 500 ? r.seconds : row.qps ? (r.perRun * 500 - row.burst!) / row.qps : (r.seconds * 500) / row.runs;
  console.log(
    `${row.label.padEnd(42)} ${String(row.runs).padStart(4)}   ${r.seconds.toFixed(2).padStart(10)} s   ${((r.seconds * 1000) / row.runs).toFixed(1).padStart(10)}   ${r.perRun.toFixed(2).padStart(16)}   ${estimate.toFixed(1).padStart(12)} s`,
  );
}
console.log(
  'baseline: Tekton, 500 TaskRuns at 2 threads / QPS 5: 4-minute median queueing (tektoncd/pipeline#1281; not measured here)',
);
process.exit(0);
