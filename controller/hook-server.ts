// The controller's webhook endpoint, the same as kiln serve's: POST /v1/hooks/{trigger} (in the
// controller's namespace) or /v1/hooks/{namespace}/{trigger}. triggers/ decides; an accepted
// delivery becomes a PipelineRun named from its delivery id, so a redelivery finds it there (409)
// and starts nothing; the runs of a concurrency group are created pending (the reconciler starts
// them one at a time) and cancelInProgress cancels the group's unfinished runs. Each delivery is
// logged and recorded as a TriggerDelivery in the Trigger's namespace (delivery-log.ts).
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpecError } from '../syntax/index.js';
import {
  receiveDelivery,
  TRIGGER_LABELS,
  TRIGGER_NAME,
  triggerFromResource,
  type DeliveryRecord,
  type DeliverySink,
} from '../triggers/index.js';
import { KILN_API_VERSION, PIPELINERUN_PENDING, type PipelineRunResource } from '../runtimes/kubernetes/index.js';
import { DeliveryLog } from './delivery-log.js';
import { GROUP_KEYS } from './group-queue.js';
import type { HookKube } from './hook-kube.js';

export interface HookServerOptions {
  kube: HookKube;
  /** The namespace of /v1/hooks/{trigger}. */
  namespace: string;
  /** Where the kiln-webhook-secrets Secret is: the controller's own namespace. */
  secretsNamespace: string;
  maxBodyBytes: number;
  log: (line: string) => void;
}

/** The one Secret holding every trigger's webhook secret, a key each. */
export const WEBHOOK_SECRETS = 'kiln-webhook-secrets';
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A group as a label value: any text fits once hashed. */
export const groupLabel = (group: string) => createHash('sha256').update(group).digest('hex').slice(0, 32);

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > max)
      return reject(new HttpAnswer(413, `webhook body over the limit of ${max} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.destroy();
        reject(new HttpAnswer(413, `webhook body over the limit of ${max} bytes`));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class HookServer {
  private server?: Server;
  private readonly deliveries: DeliveryLog;

  constructor(private readonly o: HookServerOptions) {
    this.deliveries = new DeliveryLog(o.kube, o.log);
  }

  private async remember(namespace: string, r: DeliveryRecord): Promise<void> {
    this.o.log(
      `delivery ${r.deliveryId} to trigger ${namespace}/${r.trigger}: ${r.outcome}${r.runId ? ` (run ${r.runId})` : ''}${r.reason ? `: ${r.reason}` : ''}`,
    );
    await this.deliveries.record(namespace, r);
  }

  private sink(namespace: string): DeliverySink {
    return {
      accept: async (d) => {
        const runId = d.record.runId;
        const run: PipelineRunResource = {
          apiVersion: KILN_API_VERSION,
          kind: 'PipelineRun',
          metadata: {
            name: runId,
            namespace,
            labels: {
              [TRIGGER_LABELS.trigger]: d.trigger.name,
              ...(d.group !== undefined ? { [GROUP_KEYS.group]: groupLabel(d.group) } : {}),
            },
            annotations: {
              [TRIGGER_LABELS.delivery]: d.record.deliveryId,
              [TRIGGER_LABELS.event]: d.facts.event,
              [GROUP_KEYS.receivedAt]: d.record.receivedAt,
              ...(d.facts.sha ? { [TRIGGER_LABELS.sha]: d.facts.sha } : {}),
              ...(d.facts.repo ? { [TRIGGER_LABELS.repo]: d.facts.repo } : {}),
              ...(d.group !== undefined ? { [GROUP_KEYS.group]: d.group } : {}),
            },
          },
          spec: {
            pipelineRef: { name: d.trigger.pipeline },
            params: d.params,
            // A run of a group waits its turn: the reconciler starts the group's runs one at a time.
            ...(d.group !== undefined ? { status: PIPELINERUN_PENDING } : {}),
          },
        };
        if ((await this.o.kube.createPipelineRun(namespace, run)) === 'exists') return { duplicateOf: runId };
        await this.remember(namespace, d.record);
        if (d.group !== undefined && d.trigger.concurrency?.cancelInProgress) {
          const older = await this.o.kube.activeRuns(namespace, `${GROUP_KEYS.group}=${groupLabel(d.group)}`);
          for (const r of older.filter((r) => r.metadata.name !== runId)) {
            await this.o.kube.cancelRun(namespace, r.metadata.name!);
            this.o.log(`run ${r.metadata.name} cancelled: superseded by run ${runId}`);
          }
        }
        return {};
      },
      note: (r) => this.remember(namespace, r),
    };
  }

  private async deliver(
    namespace: string,
    name: string,
    req: IncomingMessage,
  ): Promise<{ status: number; body: unknown }> {
    const refuse = async (status: number, reason: string) => {
      const receivedAt = new Date().toISOString();
      await this.remember(namespace, { trigger: name, deliveryId: '-', receivedAt, outcome: 'refused', reason });
      return new HttpAnswer(status, reason);
    };
    if (!NAMESPACE.test(namespace) || !TRIGGER_NAME.test(name))
      throw new HttpAnswer(404, 'not a trigger address: /v1/hooks/[NAMESPACE/]TRIGGER');
    const raw = await readBody(req, this.o.maxBodyBytes);
    const resource = await this.o.kube.getTrigger(namespace, name);
    if (!resource) throw await refuse(404, `no Trigger ${name} in namespace ${namespace}`);
    let found: ReturnType<typeof triggerFromResource>;
    try {
      found = triggerFromResource(resource);
    } catch (err) {
      if (err instanceof SpecError)
        throw await refuse(422, `Trigger ${namespace}/${name} is not valid: ${err.message}`);
      throw err;
    }
    const secret = await this.o.kube.readSecretKey(this.o.secretsNamespace, WEBHOOK_SECRETS, found.secretKey);
    if (!secret?.trim())
      throw await refuse(
        500,
        `Trigger ${namespace}/${name}: Secret ${this.o.secretsNamespace}/${WEBHOOK_SECRETS} has no key ${found.secretKey}`,
      );
    const answer = await receiveDelivery(
      found.trigger,
      secret.trim(),
      { headers: req.headers, raw },
      this.sink(namespace),
    );
    return { status: answer.httpStatus, body: answer.body };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const parts = (req.url ?? '').split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
    const send = (status: number, body: unknown): void =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && parts.join('/') === 'healthz') return send(200, { ok: true });
    if (req.method !== 'POST' || parts[0] !== 'v1' || parts[1] !== 'hooks' || parts.length < 3 || parts.length > 4)
      return send(404, { error: 'POST /v1/hooks/[NAMESPACE/]TRIGGER' });
    const [namespace, name] = parts.length === 4 ? [parts[2]!, parts[3]!] : [this.o.namespace, parts[2]!];
    this.deliver(namespace, name, req).then(
      (a) => send(a.status, a.body),
      (err: unknown) => {
        if (err instanceof HttpAnswer) return send(err.status, { error: err.message });
        this.o.log(`webhook ${req.url}: ${(err as Error).stack ?? String(err)}`);
        send(500, { error: 'internal error (see the controller log)' });
      },
    );
  }

  async listen(host: string, port: number): Promise<string> {
    const server = createServer((req, res) => this.handle(req, res));
    server.requestTimeout = 60_000;
    server.headersTimeout = 10_000;
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
