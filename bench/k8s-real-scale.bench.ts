// PipelineRuns of a three-task pipeline created at once against the REAL API server
// (scripts/k8s-env.sh: kube-apiserver 1.34 with RBAC and admission, etcd, the garbage collector)
// with the test node only playing Pod statuses (no containers; each step "runs" 20 ms): how long
// from a run's create to its first Pod (median: Tekton's "queue" time), until every run's first
// Pod exists, until every run Succeeded, until every run was archived (its Pods deleted, its
// finalizer released), and how many API requests the controller made per run over that whole
// life, counted at a proxy between it and the API server. `kiln controller` runs
// as a process with deploy/'s ServiceAccount identity and a collector, each row in a fresh
// namespace. bench/k8s-reconcile.bench.ts measures the same against the loopback fake.
//
//   KILN_BENCH_K8S_REAL_RUNS          runs of the QPS 100 row (default 500)
//   KILN_BENCH_K8S_REAL_DEFAULT_RUNS  runs of the default-QPS row (default 50: at QPS 5 a run's
//                                     ~17 requests make 500 runs a ~29-minute wait; the row prints
//                                     the 500-run figure its rate extrapolates to)
//
// Baseline (not measured here): Tekton at its default 2 threads / QPS 5 queued 500 TaskRuns for a
// 4-minute median (tektoncd/pipeline#1281).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Watch, type V1Pod } from '@kubernetes/client-node';
import { createKubeClient, type PipelineRunResource } from '../runtimes/kubernetes/index.js';
import { startController, startK8sEnv, type K8sEnv } from '../testkit/k8s-env.js';
import { startFaultProxy } from '../testkit/fault-proxy.js';
import { DAG_PIPELINE, pipelineRun } from '../testkit/k8s-harness.js';
import { until } from '../testkit/kubeconfig.js';

const RUNS = Number(process.env.KILN_BENCH_K8S_REAL_RUNS ?? 500);
const DEFAULT_RUNS = Number(process.env.KILN_BENCH_K8S_REAL_DEFAULT_RUNS ?? 50);
/** How many PipelineRun creates the bench keeps in flight. */
const CREATE_CONCURRENCY = 20;

interface Row {
  label: string;
  runs: number;
  args: string[];
  qps: number;
  burst: number;
}

async function measure(k: K8sEnv, row: Row, ns: string) {
  await k.kubectl('create', 'namespace', ns);
  // Pods need the namespace's default ServiceAccount, which the controller manager makes.
  await until(
    `${ns} default ServiceAccount`,
    () => k.kubectl('-n', ns, 'get', 'sa', 'default').catch(() => false),
    60_000,
  );
  const admin = createKubeClient(k.admin);
  const proxy = await startFaultProxy(`https://127.0.0.1:${new URL(k.admin.getCurrentCluster()!.server).port}`, {
    ca: readFileSync(join(k.dir, 'pki/apiserver.crt'), 'utf8'),
  });
  const ctl = startController(k, k.controllerKubeconfig(proxy.url), [
    '--namespace',
    ns,
    // One controller: leader election's Lease traffic (a GET and a PUT every 2 s, on a client of
    // its own) is time-bound, not per run, so it is left out of the per-run count.
    '--no-leader-elect',
    ...row.args,
  ]);
  await until('the controller watching', () => ctl.stderr().includes('kiln controller: watching'), 60_000);
  /** Per run: when the bench asked for it, and when its first Pod appeared (Tekton's "queue" time). */
  const askedAt = new Map<string, number>();
  const firstPodAt = new Map<string, number>();
  const firstPods = new Set<string>();
  const succeeded = new Set<string>();
  const archived = new Set<string>();
  let tFirstPods = 0;
  let tSucceeded = 0;
  let tArchived = 0;
  const t0 = performance.now();
  const pods = await follow(k, `/api/v1/namespaces/${ns}/pods`, (type, pod: V1Pod) => {
    if (type === 'ADDED' && pod.metadata!.labels?.['kiln.dev/task'] === 'a') {
      firstPods.add(pod.metadata!.name!);
      firstPodAt.set(pod.metadata!.labels['kiln.dev/pipelinerun']!, performance.now());
      if (firstPods.size === row.runs && !tFirstPods) tFirstPods = performance.now() - t0;
    }
  });
  const runs = await follow(
    k,
    `/apis/kiln.dev/v1alpha1/namespaces/${ns}/pipelineruns`,
    (_type, r: PipelineRunResource) => {
      const c = r.status?.conditions?.[0];
      if (c?.status === 'True' && c.reason === 'Succeeded') {
        succeeded.add(r.metadata.name!);
        if (succeeded.size === row.runs && !tSucceeded) tSucceeded = performance.now() - t0;
      }
      if (r.status?.archived) {
        archived.add(r.metadata.name!);
        if (archived.size === row.runs && !tArchived) tArchived = performance.now() - t0;
      }
    },
  );
  const before = { ...proxy.requests };
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < row.runs) {
        const name = `run-${next++}`;
        askedAt.set(name, performance.now());
        await admin.createPipelineRun(ns, pipelineRun(name, DAG_PIPELINE));
      }
    }),
  );
  // Requests are counted over a run's whole life: archived means its Pods deleted, finalizer released.
  await until(`${row.runs} runs archived`, () => tArchived > 0 && tSucceeded > 0 && tFirstPods > 0, 3_600_000);
  const byVerb = Object.fromEntries(Object.entries(proxy.requests).map(([verb, n]) => [verb, n - (before[verb] ?? 0)]));
  const requests = Object.values(byVerb).reduce((a, b) => a + b, 0);
  pods.stop();
  runs.stop();
  await ctl.stop();
  await proxy.close();
  const waits = [...askedAt].map(([run, at]) => firstPodAt.get(run)! - at).sort((a, b) => a - b);
  return {
    medianFirstPod: waits[Math.floor(waits.length / 2)]! / 1000,
    firstPods: tFirstPods / 1000,
    succeeded: tSucceeded / 1000,
    archived: tArchived / 1000,
    perRun: requests / row.runs,
    byVerb,
    watchDrops: pods.drops() + runs.drops(),
  };
}

/**
 * A watch that resumes from the last resourceVersion seen when the server ends it (a long bench
 * outlives one watch), so no event is missed; an event seen after a resume is timed late, by at
 * most the reconnect.
 */
async function follow<T extends { metadata?: { resourceVersion?: string } }>(
  k: K8sEnv,
  path: string,
  onEvent: (type: string, o: T) => void,
) {
  let rv: string | undefined;
  let stopped = false;
  let drops = 0;
  let current: { abort(): void } | undefined;
  const open = async (): Promise<void> => {
    current = await new Watch(k.admin).watch(
      path,
      { allowWatchBookmarks: true, ...(rv ? { resourceVersion: rv } : {}) },
      (type, o: T) => {
        rv = o.metadata?.resourceVersion ?? rv;
        if (type !== 'BOOKMARK') onEvent(type, o);
      },
      () => {
        if (stopped) return;
        drops++;
        void open();
      },
    );
  };
  await open();
  return {
    drops: () => drops,
    stop: () => {
      stopped = true;
      current?.abort();
    },
  };
}

const rows: Row[] = [
  { label: 'default (2 workers, qps 5, burst 10)', runs: DEFAULT_RUNS, args: [], qps: 5, burst: 10 },
  {
    label: 'qps 100 (8 workers, burst 200)',
    runs: RUNS,
    args: ['--qps', '100', '--burst', '200', '--workers', '8'],
    qps: 100,
    burst: 200,
  },
];

const k = await startK8sEnv({ statusesOnly: true, controller: false });
try {
  console.log(
    'k8s-real-scale: PipelineRuns of a three-task pipeline created at once, real kube-apiserver 1.34, status-playing node',
  );
  console.log(
    'config                                 runs   median first Pod   all first Pods   all Succeeded   all archived   API requests/run   500-run estimate (first Pods / Succeeded)',
  );
  let i = 0;
  for (const row of rows) {
    const r = await measure(k, row, `bench-${i++}`);
    // Linear in the runs, and never faster than the client limit lets 500 runs' requests through.
    const linear = (s: number) => (s * 500) / row.runs;
    const bound = (r.perRun * 500 - row.burst) / row.qps;
    console.log(
      `${row.label.padEnd(38)} ${String(row.runs).padStart(4)}   ${r.medianFirstPod.toFixed(1).padStart(14)} s   ${r.firstPods.toFixed(1).padStart(12)} s   ${r.succeeded.toFixed(1).padStart(11)} s   ${r.archived.toFixed(1).padStart(10)} s   ${r.perRun.toFixed(2).padStart(16)}   ${row.runs === 500 ? 'measured' : `${linear(r.firstPods).toFixed(0)} s / ${Math.max(linear(r.succeeded), bound).toFixed(0)} s`}`,
    );
    console.log(`  requests by verb: ${JSON.stringify(r.byVerb)}; the bench's watches resumed ${r.watchDrops} times`);
  }
  console.log(
    'baseline: Tekton, 500 TaskRuns at 2 threads / QPS 5: 4-minute median queueing (tektoncd/pipeline#1281; not measured here)',
  );
} finally {
  await k.stop();
}
process.exit(0);
