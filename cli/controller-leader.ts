// `kiln controller`'s leader election flags: on by default, so a second replica (a rolling update,
// a Deployment scaled to 2) waits instead of reconciling the same runs twice. The Lease lives in
// the controller's own namespace: $POD_NAMESPACE, else the in-cluster ServiceAccount's, else kiln.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { KubeConfig } from '@kubernetes/client-node';
import { durationFlag, UsageError } from '../contract/index.js';
import { kubeLeaseStore, LeaderElector } from '../controller/index.js';

export interface LeaderFlags {
  leaderElect: boolean;
  leaderElectNamespace?: string;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
}

export const LEASE_NAME = 'kiln-controller';
const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function leaderOptions(cmd: Command): Command {
  return cmd
    .option('--no-leader-elect', 'reconcile without holding the Lease (only when exactly one controller runs)')
    .option(
      '--leader-elect-namespace <ns>',
      `namespace of the Lease "${LEASE_NAME}" (default: $POD_NAMESPACE, else the ServiceAccount's, else kiln)`,
    )
    .option(
      '--leader-elect-lease-duration <duration>',
      'how long a leader that stopped renewing blocks the others',
      '15s',
    )
    .option('--leader-elect-renew-deadline <duration>', 'how long a leader retries a renewal before it exits', '10s')
    .option('--leader-elect-retry-period <duration>', 'how often the Lease is renewed or tried', '2s');
}

/** The elector the flags ask for (undefined with --no-leader-elect); bad timings are a usage error. */
export function leaderElector(kc: KubeConfig, f: LeaderFlags, log: (line: string) => void): LeaderElector | undefined {
  if (!f.leaderElect) return undefined;
  const leaseDurationMs = durationFlag('--leader-elect-lease-duration', f.leaderElectLeaseDuration);
  const renewDeadlineMs = durationFlag('--leader-elect-renew-deadline', f.leaderElectRenewDeadline);
  const retryPeriodMs = durationFlag('--leader-elect-retry-period', f.leaderElectRetryPeriod);
  // client-go's rules: a leader must give up before its Lease expires, and retry within the deadline.
  if (!(renewDeadlineMs < leaseDurationMs))
    throw new UsageError(
      `--leader-elect-renew-deadline ${f.leaderElectRenewDeadline} must be shorter than --leader-elect-lease-duration ${f.leaderElectLeaseDuration}`,
      'a leader that cannot renew must stop before another may take over',
    );
  if (!(retryPeriodMs * 1.2 < renewDeadlineMs))
    throw new UsageError(
      `--leader-elect-retry-period ${f.leaderElectRetryPeriod} must be under 1/1.2 of --leader-elect-renew-deadline ${f.leaderElectRenewDeadline}`,
      'give a shorter retry period',
    );
  const namespace =
    f.leaderElectNamespace ||
    process.env.POD_NAMESPACE ||
    (existsSync(SA_NAMESPACE) ? readFileSync(SA_NAMESPACE, 'utf8').trim() : '') ||
    'kiln';
  return new LeaderElector({
    store: kubeLeaseStore(kc, namespace, LEASE_NAME),
    identity: `${hostname()}_${randomUUID()}`,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    log,
  });
}
