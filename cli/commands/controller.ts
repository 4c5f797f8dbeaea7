// `kiln controller`: runs the Kubernetes controller (in-cluster, or against the current
// kubeconfig), with Prometheus metrics on --metrics-listen. Stops on SIGTERM/SIGINT, leaving
// running Pods for the next controller to adopt.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Command } from 'commander';
import { durationFlag, parseListen, UsageError } from '../../contract/index.js';
import {
  collectorApprovals,
  CollectorClient,
  collectorReporter,
  mintRunToken,
  type RunClaims,
} from '../../collector/index.js';
import { DEFAULT_AGENT_IMAGE, loadKubeConfig, positiveNumber } from '../kubernetes-options.js';
import { createKubeClient, POD_SECURITY_HELP, podSecurityFlag, tokenBucket } from '../../runtimes/kubernetes/index.js';
import { KilnController, specDeps } from '../../controller/index.js';
import { DEFAULT_RETRY } from '../../triggers/index.js';
import { commitStatuses, hookServer } from '../controller-hooks.js';
import { leaderElector, leaderOptions, type LeaderFlags } from '../controller-leader.js';

interface ControllerFlags extends LeaderFlags {
  namespace?: string;
  workers: string;
  qps: string;
  burst: string;
  collector?: string;
  collectorSecretFile?: string;
  archiveGrace?: string;
  startFailureGrace?: string;
  agentImage?: string;
  metricsListen: string;
  podSecurity?: string;
  runAsUser?: string;
  hooksListen?: string;
  maxHookBody: string;
  statusAttempts: string;
}

export function registerController(program: Command): void {
  leaderOptions(program.command('controller'))
    .description('run the Kubernetes controller: PipelineRuns become Pods, runs are archived to the collector')
    .option('--namespace <ns>', 'watch only this namespace (default: all)')
    .option('--workers <n>', 'PipelineRuns reconciled at once', '2')
    .option('--qps <n>', 'API requests per second (client-side limit)', '5')
    .option('--burst <n>', 'API requests allowed in a burst above --qps', '10')
    .option(
      '--collector <url>',
      'collector URL (default: $KILN_COLLECTOR); without one, runs are not archived and Pods stay until their run is deleted',
    )
    .option(
      '--collector-secret-file <file>',
      'HMAC secret run tokens are minted with (default: $KILN_COLLECTOR_SECRET)',
    )
    .option(
      '--archive-grace <duration>',
      'delete an archived PipelineRun this long after it finished (default: $KILN_ARCHIVE_GRACE, else never: a GitOps tool or a user may own it)',
    )
    .option(
      '--start-failure-grace <duration>',
      'how long a container may wait on an image or config error (ErrImagePull, CreateContainerConfigError) before its task fails',
      '1m',
    )
    .option(
      '--agent-image <image>',
      `agent image injected into every Pod (default: $KILN_AGENT_IMAGE or ${DEFAULT_AGENT_IMAGE})`,
    )
    .option('--metrics-listen <host:port>', 'Prometheus metrics address', '127.0.0.1:9090')
    .option('--pod-security <mode>', `${POD_SECURITY_HELP} (default: $KILN_POD_SECURITY, else image)`)
    .option(
      '--run-as-user <uid>',
      'restricted: UID of every container (default 65532; 0 allows root images); image: UID of the steps',
    )
    .option('--hooks-listen <host:port>', 'serve webhook triggers (POST /v1/hooks/[NAMESPACE/]TRIGGER) on this address')
    .option('--max-hook-body <size>', 'largest webhook body taken', '5MiB')
    .option(
      '--status-attempts <n>',
      "tries at posting each commit status of a Trigger's run (1 s, 2 s, 4 s… apart)",
      String(DEFAULT_RETRY.attempts),
    )
    .action(async (f: ControllerFlags) => {
      const workers = positiveNumber('--workers', f.workers, 256);
      const qps = positiveNumber('--qps', f.qps, 10_000);
      const burst = positiveNumber('--burst', f.burst, 100_000);
      const statusAttempts = positiveNumber('--status-attempts', f.statusAttempts, 100);
      if (!Number.isInteger(statusAttempts))
        throw new UsageError(`--status-attempts ${f.statusAttempts}: give a whole number of tries`);
      const grace = f.archiveGrace ?? process.env.KILN_ARCHIVE_GRACE;
      const archiveGraceMs = grace ? durationFlag('--archive-grace', grace) : undefined;
      const startFailureGraceMs = durationFlag('--start-failure-grace', f.startFailureGrace ?? '1m');
      const runAsUser = f.runAsUser === undefined ? undefined : Number(f.runAsUser);
      if (runAsUser !== undefined && !(Number.isInteger(runAsUser) && runAsUser >= 0))
        throw new UsageError(`--run-as-user ${f.runAsUser}: not a UID`);
      const podSecurity = podSecurityFlag(f.podSecurity ?? process.env.KILN_POD_SECURITY);
      if (podSecurity === 'restricted' && runAsUser === 0)
        throw new UsageError(
          '--run-as-user 0 with --pod-security restricted: PodSecurity restricted refuses root',
          'use --pod-security image for images that need root',
        );
      const { host, port } = parseListen(f.metricsListen, '--metrics-listen');
      const collectorUrl = f.collector ?? process.env.KILN_COLLECTOR;
      const secret = f.collectorSecretFile
        ? readFileSync(f.collectorSecretFile, 'utf8').trim()
        : process.env.KILN_COLLECTOR_SECRET;
      if (collectorUrl && !secret)
        throw new UsageError(
          '--collector needs the collector secret to mint run tokens',
          'give --collector-secret-file FILE or set KILN_COLLECTOR_SECRET',
        );
      const log = (line: string) => process.stderr.write(`kiln controller: ${line}\n`);
      const { kc } = await loadKubeConfig();
      const elector = leaderElector(kc, f, log);
      const client = createKubeClient(kc, tokenBucket({ qps, burst }));
      const hooks = f.hooksListen ? hookServer(kc, { ...f, hooksListen: f.hooksListen }) : undefined;
      // One client serves every run: it holds only the URL (run tokens are passed per call).
      const collectorClient = collectorUrl ? new CollectorClient(collectorUrl) : undefined;
      const collector =
        collectorClient && secret
          ? {
              url: collectorClient.url,
              tokenFor: (claims: RunClaims) => mintRunToken(secret, claims),
              reporterFor: (_run: string, token: string) => collectorReporter(collectorClient, token),
              archive: async (record: Parameters<CollectorClient['postRun']>[0], token: string) =>
                void (await collectorClient.postRun(record, token)),
              storedResult: collectorClient.storedResult.bind(collectorClient),
              approvals: (token: string) => collectorApprovals(collectorClient, token),
              uiUrl: process.env.KILN_UI_URL || undefined,
            }
          : undefined;
      const controller = new KilnController({
        client,
        namespace: f.namespace,
        workers,
        archiveGraceMs,
        startFailureGraceMs,
        collector,
        podSecurity,
        runAsUser,
        agentImage: f.agentImage ?? process.env.KILN_AGENT_IMAGE ?? DEFAULT_AGENT_IMAGE,
        pipelines: specDeps,
        commitStatuses: commitStatuses(kc, { ...DEFAULT_RETRY, attempts: statusAttempts }),
        log,
      });
      const metrics = createServer((req, res) => {
        if (req.url !== '/metrics') return void res.writeHead(404).end();
        void controller.metrics.registry
          .metrics()
          .then((text) => res.writeHead(200, { 'content-type': controller.metrics.registry.contentType }).end(text));
      });
      await new Promise<void>((resolve) => metrics.listen(port, host, resolve));
      await hooks?.listen();
      let following = true;
      const signalled = new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      // A follower told to stop stops waiting for the Lease; a leader stops below, then hands it back.
      void signalled.then(() => (following ? elector?.stop() : undefined));
      let lost = (_why: string) => {};
      const leadershipLost = new Promise<string>((resolve) => (lost = resolve));
      if (elector && !(await elector.lead(lost))) return void (await close());
      following = false;
      await controller.start();
      process.stderr.write(
        `kiln controller: watching ${f.namespace ?? 'all namespaces'} (workers ${workers}, qps ${qps}, burst ${burst}); metrics on http://${f.metricsListen}/metrics\n`,
      );
      const why = await Promise.race([signalled.then(() => undefined), leadershipLost]);
      controller.stop();
      await elector?.stop(!why);
      await close();
      // Another replica may lead now: exit so the Pod restarts as a candidate, as client-go's controllers do.
      if (why) {
        log(`lost the leadership: ${why}; exiting`);
        process.exit(1);
      }

      async function close() {
        metrics.close();
        await hooks?.server.close();
      }
    });
}
