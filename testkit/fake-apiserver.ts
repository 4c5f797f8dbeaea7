// An in-test Kubernetes API server: real HTTP on 127.0.0.1 speaking enough of the REST and watch
// protocol for @kubernetes/client-node@1 and the controller — list (resourceVersion, labelSelector),
// watch (?watch=true, resourceVersion, allowWatchBookmarks, 410 Gone when too old), get, create
// (409 AlreadyExists), update (409 Conflict on a stale resourceVersion), merge- and JSON-patch, the
// status subresource, delete with finalizers (deletionTimestamp, kept until finalizers are empty),
// and background garbage collection of owned objects. Every request is counted, per verb.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyJsonPatch, applyMergePatch, type JsonPatchOp } from './json-patches.js';
import {
  KINDS,
  key,
  parseRoute,
  parseSelector,
  readBody,
  type Route,
  send,
  status,
  write,
} from './fake-apiserver-wire.js';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
    ownerReferences?: { uid: string; name: string; kind: string }[];
    generation?: number;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
interface Event {
  rv: number;
  type: EventType;
  plural: string;
  object: KubeObject;
}
interface Watcher {
  plural: string;
  namespace?: string;
  selector: [string, string][];
  res: ServerResponse;
}

/** How many events a watch can resume from; older resourceVersions get 410 Gone, as etcd compaction does. */
const HISTORY = 20_000;

export class FakeApiServer {
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: Event[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly listeners = new Set<(type: EventType, plural: string, object: KubeObject) => void>();
  private rv = 1;
  private server?: Server;
  /** Requests by verb (list, watch, get, create, update, patch, delete). */
  readonly requests = new Map<string, number>();
  url = '';
  private readonly historyLimit: number;

  private readonly version: { major: string; minor: string; gitVersion: string };

  /** `version`: what GET /version answers (default 1.34, a server with native sidecars). */
  constructor(opts: { history?: number; version?: string } = {}) {
    this.historyLimit = opts.history ?? HISTORY;
    const [major, minor] = (opts.version ?? '1.34').split('.');
    this.version = { major, minor, gitVersion: `v${major}.${minor}.0` };
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Closes every open watch, as an API server does on a restart or a timeout. */
  dropWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  totalRequests(): number {
    return [...this.requests.values()].reduce((a, b) => a + b, 0);
  }

  /** Objects of a kind, for assertions (copies). */
  list(plural: string, namespace?: string): KubeObject[] {
    return [...this.objects.values()]
      .filter((o) => this.pluralOf(o) === plural && (!namespace || o.metadata.namespace === namespace))
      .map((o) => structuredClone(o));
  }

  get(plural: string, namespace: string, name: string): KubeObject | undefined {
    const o = this.objects.get(key(plural, namespace, name));
    return o && structuredClone(o);
  }

  /** Calls `fn` on every change (for benchmarks that wait on objects appearing); answers an unsubscribe. */
  onChange(fn: (type: EventType, plural: string, object: KubeObject) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Replaces an object's status as a kubelet or another controller would (a MODIFIED event). */
  setStatus(plural: string, namespace: string, name: string, status: unknown): KubeObject {
    const k = key(plural, namespace, name);
    const cur = this.objects.get(k);
    if (!cur) throw new Error(`setStatus: ${k} does not exist`);
    const next: KubeObject = {
      ...cur,
      status: structuredClone(status),
      metadata: { ...cur.metadata, resourceVersion: String(++this.rv) },
    };
    this.objects.set(k, next);
    this.emit('MODIFIED', next);
    return structuredClone(next);
  }

  /** Emits a BOOKMARK to every watcher of a kind that asked for bookmarks. */
  bookmark(plural: string): void {
    for (const w of this.watchers) {
      if (w.plural === plural)
        write(w.res, {
          type: 'BOOKMARK',
          object: {
            kind: KINDS[plural].kind,
            apiVersion: KINDS[plural].apiVersion,
            metadata: { resourceVersion: String(this.rv) },
          },
        });
    }
  }

  private pluralOf(o: KubeObject): string {
    return Object.entries(KINDS).find(([, k]) => k.kind === o.kind)![0];
  }

  private count(verb: string) {
    this.requests.set(verb, (this.requests.get(verb) ?? 0) + 1);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/version') return send(res, 200, this.version);
      const route = parseRoute(url.pathname);
      if (!route || !KINDS[route.plural]) return status(res, 404, 'NotFound', `no resource at ${url.pathname}`);
      const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : await readBody(req);
      switch (req.method) {
        case 'GET':
          if (route.name) return this.getOne(res, route);
          if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1')
            return this.watch(req, res, route, url.searchParams);
          return this.listAll(res, route, url.searchParams);
        case 'POST':
          return this.create(res, route, body as KubeObject);
        case 'PUT':
          return this.update(res, route, body as KubeObject);
        case 'PATCH':
          return this.patch(res, route, body, String(req.headers['content-type'] ?? ''));
        case 'DELETE':
          return this.remove(res, route);
        default:
          return status(res, 405, 'MethodNotAllowed', `${req.method} not supported`);
      }
    } catch (err) {
      status(res, 400, 'BadRequest', (err as Error).message);
    }
  }

  private getOne(res: ServerResponse, r: Route) {
    this.count('get');
    const o = this.objects.get(key(r.plural, r.namespace, r.name!));
    if (!o) return status(res, 404, 'NotFound', `${r.plural} "${r.name}" not found`);
    send(res, 200, o);
  }

  private listAll(res: ServerResponse, r: Route, q: URLSearchParams) {
    this.count('list');
    const selector = parseSelector(q.get('labelSelector'));
    const items = [...this.objects.values()].filter((o) => this.matches(o, r.plural, r.namespace, selector));
    send(res, 200, {
      kind: `${KINDS[r.plural].kind}List`,
      apiVersion: KINDS[r.plural].apiVersion,
      metadata: { resourceVersion: String(this.rv) },
      items,
    });
  }

  private matches(o: KubeObject, plural: string, namespace: string | undefined, selector: [string, string][]) {
    return (
      this.pluralOf(o) === plural &&
      (!namespace || o.metadata.namespace === namespace) &&
      selector.every(([k, v]) => o.metadata.labels?.[k] === v)
    );
  }

  private watch(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams) {
    this.count('watch');
    const from = Number(q.get('resourceVersion') || this.rv);
    const selector = parseSelector(q.get('labelSelector'));
    if (this.history.length && from < this.history[0].rv - 1) {
      res.writeHead(200, { 'content-type': 'application/json' });
      write(res, {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Expired',
          code: 410,
          message: `too old resource version: ${from}`,
        },
      });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const w: Watcher = { plural: r.plural, namespace: r.namespace, selector, res };
    for (const e of this.history)
      if (e.rv > from && this.matches(e.object, w.plural, w.namespace, selector))
        write(res, { type: e.type, object: e.object });
    this.watchers.add(w);
    req.on('close', () => this.watchers.delete(w));
  }

  private emit(type: EventType, object: KubeObject) {
    const e: Event = {
      rv: Number(object.metadata.resourceVersion),
      type,
      plural: this.pluralOf(object),
      object: structuredClone(object),
    };
    this.history.push(e);
    if (this.history.length > this.historyLimit) this.history.shift();
    for (const w of this.watchers)
      if (this.matches(e.object, w.plural, w.namespace, w.selector)) write(w.res, { type, object: e.object });
    for (const fn of this.listeners) fn(type, e.plural, e.object);
  }

  private create(res: ServerResponse, r: Route, body: KubeObject) {
    this.count('create');
    if (!body?.metadata) return status(res, 422, 'Invalid', 'metadata is required');
    const meta = body.metadata;
    const name = meta.name || (meta.generateName ? `${meta.generateName}${randomUUID().slice(0, 5)}` : '');
    if (!name) return status(res, 422, 'Invalid', 'metadata.name or generateName is required');
    const k = key(r.plural, r.namespace, name);
    if (this.objects.has(k))
      return status(res, 409, 'AlreadyExists', `${r.plural} "${name}" already exists`, { name, kind: r.plural });
    const obj: KubeObject = {
      ...structuredClone(body),
      kind: KINDS[r.plural].kind,
      apiVersion: KINDS[r.plural].apiVersion,
      metadata: {
        ...meta,
        name,
        namespace: r.namespace,
        uid: randomUUID(),
        resourceVersion: String(++this.rv),
        creationTimestamp: new Date().toISOString(),
        generation: 1,
      },
    };
    this.objects.set(k, obj);
    this.emit('ADDED', obj);
    send(res, 201, obj);
  }

  private update(res: ServerResponse, r: Route, body: KubeObject) {
    this.count('update');
    const k = key(r.plural, r.namespace, r.name!);
    const cur = this.objects.get(k);
    if (!cur) return status(res, 404, 'NotFound', `${r.plural} "${r.name}" not found`);
    if (body.metadata?.resourceVersion && body.metadata.resourceVersion !== cur.metadata.resourceVersion) {
      return status(
        res,
        409,
        'Conflict',
        `the object has been modified; please apply your changes to the latest version`,
      );
    }
    this.store(res, r, cur, body);
  }

  private patch(res: ServerResponse, r: Route, body: unknown, contentType: string) {
    this.count('patch');
    const k = key(r.plural, r.namespace, r.name!);
    const cur = this.objects.get(k);
    if (!cur) return status(res, 404, 'NotFound', `${r.plural} "${r.name}" not found`);
    let next: KubeObject;
    if (contentType.startsWith('application/json-patch+json'))
      next = applyJsonPatch(cur, body as JsonPatchOp[]) as KubeObject;
    else if (
      contentType.startsWith('application/merge-patch+json') ||
      contentType.startsWith('application/strategic-merge-patch+json')
    )
      next = applyMergePatch(cur, body) as KubeObject;
    else return status(res, 415, 'UnsupportedMediaType', `patch content type ${contentType} not supported`);
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== cur.metadata.resourceVersion) {
      return status(
        res,
        409,
        'Conflict',
        'the object has been modified; please apply your changes to the latest version',
      );
    }
    this.store(res, r, cur, next);
  }

  /** Writes a new version: the status subresource changes only status, the main endpoint all but status. */
  private store(res: ServerResponse, r: Route, cur: KubeObject, next: KubeObject) {
    const kind = KINDS[r.plural];
    const merged: KubeObject =
      r.sub === 'status'
        ? { ...cur, status: next.status }
        : { ...next, ...(kind.statusSubresource ? { status: cur.status } : {}) };
    const specChanged = JSON.stringify(next.spec) !== JSON.stringify(cur.spec) && r.sub !== 'status';
    merged.kind = kind.kind;
    merged.apiVersion = kind.apiVersion;
    merged.metadata = {
      ...(r.sub === 'status' ? cur.metadata : next.metadata),
      name: cur.metadata.name,
      namespace: cur.metadata.namespace,
      uid: cur.metadata.uid,
      creationTimestamp: cur.metadata.creationTimestamp,
      deletionTimestamp: cur.metadata.deletionTimestamp,
      generation: (cur.metadata.generation ?? 1) + (specChanged ? 1 : 0),
      resourceVersion: String(++this.rv),
    };
    const k = key(r.plural, r.namespace, cur.metadata.name!);
    if (merged.metadata.deletionTimestamp && !merged.metadata.finalizers?.length) {
      this.objects.delete(k);
      this.emit('DELETED', merged);
      this.collectGarbage(merged);
    } else {
      this.objects.set(k, merged);
      this.emit('MODIFIED', merged);
    }
    send(res, 200, merged);
  }

  private remove(res: ServerResponse, r: Route) {
    this.count('delete');
    const k = key(r.plural, r.namespace, r.name!);
    const cur = this.objects.get(k);
    if (!cur) return status(res, 404, 'NotFound', `${r.plural} "${r.name}" not found`);
    send(res, 200, this.deleteObject(k, cur));
  }

  private deleteObject(k: string, cur: KubeObject): KubeObject {
    if (cur.metadata.finalizers?.length) {
      if (!cur.metadata.deletionTimestamp) {
        cur.metadata = {
          ...cur.metadata,
          deletionTimestamp: new Date().toISOString(),
          resourceVersion: String(++this.rv),
        };
        this.emit('MODIFIED', cur);
      }
      return cur;
    }
    this.objects.delete(k);
    const gone = { ...cur, metadata: { ...cur.metadata, resourceVersion: String(++this.rv) } };
    this.emit('DELETED', gone);
    this.collectGarbage(gone);
    return gone;
  }

  /** Background cascading deletion: objects owned by a deleted one go too. */
  private collectGarbage(owner: KubeObject) {
    for (const [k, o] of [...this.objects]) {
      if (o.metadata.ownerReferences?.some((ref) => ref.uid === owner.metadata.uid)) this.deleteObject(k, o);
    }
  }
}
