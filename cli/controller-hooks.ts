// `kiln controller --hooks-listen`: the webhook endpoint beside the reconciler, creating PipelineRuns
// from deliveries. Its namespace for /v1/hooks/TRIGGER is --namespace, else the controller's own
// ($POD_NAMESPACE, which deploy/ sets), else `default`; the webhook Secret is in the controller's own.
import type { KubeConfig } from '@kubernetes/client-node';
import { parseListen } from '../contract/index.js';
import { parseSize } from '../collector/index.js';
import { HookServer, hookKube, kubeCommitStatuses, WEBHOOK_SECRETS } from '../controller/index.js';
import type { RetryPolicy } from '../triggers/index.js';

/** The controller's own namespace: $POD_NAMESPACE (deploy/ sets it), else the kubeconfig's, else `default`. */
export const ownNamespace = (kc: KubeConfig) =>
  process.env.POD_NAMESPACE || kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';

/** Commit statuses of triggered runs: their Trigger and token read through the API server. */
export const commitStatuses = (kc: KubeConfig, retry: RetryPolicy) =>
  kubeCommitStatuses(hookKube(kc), ownNamespace(kc), retry);

/** The server, checked and built (nothing listens yet): bad flags fail before the controller starts. */
export function hookServer(kc: KubeConfig, f: { hooksListen: string; maxHookBody: string; namespace?: string }) {
  const listen = parseListen(f.hooksListen, '--hooks-listen');
  const own = ownNamespace(kc);
  const server = new HookServer({
    kube: hookKube(kc),
    namespace: f.namespace ?? own,
    secretsNamespace: own,
    maxBodyBytes: parseSize(f.maxHookBody, '--max-hook-body'),
    log: (line) => process.stderr.write(`kiln controller: hooks: ${line}\n`),
  });
  return {
    server,
    async listen(): Promise<void> {
      const url = await server.listen(listen.host, listen.port);
      process.stderr.write(
        `kiln controller: webhook triggers on ${url}/v1/hooks/ (secrets: Secret ${own}/${WEBHOOK_SECRETS})\n`,
      );
    },
  };
}
