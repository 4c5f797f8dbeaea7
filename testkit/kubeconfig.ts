// A KubeConfig pointing at the in-test API server, as a user's kubeconfig would.
import { KubeConfig } from '@kubernetes/client-node';
import { waitFor } from './log-proxy-pod.js';

export function loopbackKubeConfig(server: string, namespace = 'ci'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'loopback', server, skipTLSVerify: true }],
    users: [{ name: 'tester', token: 'test-token' }],
    contexts: [{ name: 'loopback', cluster: 'loopback', user: 'tester', namespace }],
    currentContext: 'loopback',
  });
  return kc;
}

/** Polls a condition on the event loop until it holds or the bound passes (10 s by default). */
export function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  return waitFor(what, probe, timeoutMs);
}
