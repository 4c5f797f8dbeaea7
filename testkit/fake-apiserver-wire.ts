// The HTTP side of the in-test API server (fake-apiserver.ts): the kinds it serves, a request's
// path as a route, label selectors, JSON bodies, and the JSON replies, watch lines and Status errors.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Route {
  prefix: string;
  namespace?: string;
  plural: string;
  name?: string;
  sub?: string;
}

/** Kinds served, by plural: the kind name and whether writes to the main endpoint ignore status. */
export const KINDS: Record<string, { kind: string; apiVersion: string; statusSubresource: boolean }> = {
  pods: { kind: 'Pod', apiVersion: 'v1', statusSubresource: true },
  secrets: { kind: 'Secret', apiVersion: 'v1', statusSubresource: false },
  persistentvolumeclaims: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', statusSubresource: true },
  events: { kind: 'Event', apiVersion: 'v1', statusSubresource: false },
  pipelineruns: { kind: 'PipelineRun', apiVersion: 'kiln.dev/v1alpha1', statusSubresource: true },
  pipelines: { kind: 'Pipeline', apiVersion: 'kiln.dev/v1alpha1', statusSubresource: false },
  triggers: { kind: 'Trigger', apiVersion: 'kiln.dev/v1alpha1', statusSubresource: false },
  triggerdeliveries: { kind: 'TriggerDelivery', apiVersion: 'kiln.dev/v1alpha1', statusSubresource: false },
  leases: { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', statusSubresource: false },
};
const BODY_LIMIT = 4 * 1024 * 1024;

/** An object's key in the store. */
export const key = (plural: string, namespace: string | undefined, name: string) =>
  `${plural}/${namespace ?? ''}/${name}`;

export function parseRoute(path: string): Route | null {
  const all = path.split('/').filter(Boolean);
  const head = all[0] === 'api' && all[1] === 'v1' ? 2 : all[0] === 'apis' && all.length >= 3 ? 3 : 0;
  if (!head) return null;
  const prefix = all.slice(0, head).join('/');
  const parts = all.slice(head);
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length >= 3) {
    namespace = parts[1];
    parts.splice(0, 2);
  }
  const [plural, name, sub] = parts.map(decodeURIComponent);
  if (!plural || parts.length > 3) return null;
  return { prefix, namespace, plural, name, sub };
}

export function parseSelector(text: string | null): [string, string][] {
  if (!text) return [];
  return text.split(',').map((term) => {
    const [k, v] = term.split('=');
    if (!k || v === undefined) throw new Error(`label selector "${text}": only key=value terms are supported`);
    return [k.trim(), v.trim()];
  });
}

export function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) reject(new Error('request body too large'));
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch {
        reject(new Error('request body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function write(res: ServerResponse, event: unknown) {
  res.write(JSON.stringify(event) + '\n');
}

export function status(res: ServerResponse, code: number, reason: string, message: string, details?: unknown) {
  send(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
    ...(details ? { details } : {}),
  });
}
