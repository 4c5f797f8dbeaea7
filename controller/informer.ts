// A list+watch informer: lists once, then watches from the list's resourceVersion with bookmarks,
// resumes a dropped watch from the last version seen, and relists when the server answers 410 Gone
// (objects that vanished meanwhile are reported deleted). Handlers see every add, update, delete.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ListResult, WatchEvent, WatchFn } from '../runtimes/kubernetes/index.js';
import { keyOf } from './run-key.js';

export interface InformerHandlers<T> {
  upsert(obj: T): void;
  remove(obj: T): void;
  error?(err: unknown): void;
}

const keyOfObject = (o: KubernetesObject) => keyOf(o.metadata?.namespace ?? '', o.metadata?.name ?? '');

export class Informer<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private current?: { abort(): void };
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly list: () => Promise<ListResult<T>>,
    private readonly watch: WatchFn<T>,
    private readonly handlers: InformerHandlers<T>,
    private readonly retryMs = 1000,
  ) {}

  /** Lists and starts watching; resolves once the first list has been delivered. */
  async start(): Promise<void> {
    await this.relist();
    void this.rewatch();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.current?.abort();
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(keyOf(namespace, name));
  }

  items(): T[] {
    return [...this.cache.values()];
  }

  private async relist(): Promise<void> {
    const list = await this.list();
    const seen = new Set<string>();
    for (const item of list.items) {
      seen.add(keyOfObject(item));
      this.cache.set(keyOfObject(item), item);
      this.handlers.upsert(item);
    }
    for (const [k, old] of [...this.cache]) {
      if (!seen.has(k)) {
        this.cache.delete(k);
        this.handlers.remove(old);
      }
    }
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
  }

  private async rewatch(): Promise<void> {
    if (this.stopped) return;
    let expired = false;
    const onEvent = (e: WatchEvent<T>) => {
      if (e.type === 'ERROR') {
        expired = (e.object as { code?: number }).code === 410;
        return;
      }
      const rv = e.object.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      if (e.type === 'BOOKMARK') return;
      if (e.type === 'DELETED') {
        this.cache.delete(keyOfObject(e.object));
        this.handlers.remove(e.object);
      } else {
        this.cache.set(keyOfObject(e.object), e.object);
        this.handlers.upsert(e.object);
      }
    };
    const onDone = (err: unknown) => {
      if (this.stopped) return;
      if ((err as { statusCode?: number })?.statusCode === 410) expired = true;
      if (err && !expired) this.handlers.error?.(err);
      // A clean end (server timeout) resumes at once; an error waits a little before retrying.
      this.retry = setTimeout(() => void this.resume(expired), err && !expired ? this.retryMs : 0);
    };
    try {
      this.current = await this.watch(this.resourceVersion, onEvent, onDone);
    } catch (err) {
      onDone(err);
    }
  }

  private async resume(expired: boolean): Promise<void> {
    try {
      if (expired) await this.relist();
      await this.rewatch();
    } catch (err) {
      this.handlers.error?.(err);
      this.retry = setTimeout(() => void this.resume(true), this.retryMs);
    }
  }
}
