// kiln serve's own state, in STATE_DIR/triggers.db: every delivery (accepted, filtered, refused) and
// the run queue. A delivery is answered 202 only once its queue entry is committed, so a restart
// (even a SIGKILL) loses no accepted delivery: queued entries are read back and run.
import Database from 'better-sqlite3';
import { sqliteNativeBinding } from '../../collector/index.js';
import type { AcceptedDelivery, DeliveryRecord, DeliverySink } from '../../triggers/index.js';

export interface QueueEntry {
  seq: number;
  runId: string;
  trigger: string;
  deliveryId: string;
  params: AcceptedDelivery['params'];
  facts: AcceptedDelivery['facts'];
  group?: string;
  state: 'queued' | 'running';
  enqueuedAt: string;
}

/** Deliveries kept: the oldest beyond this are deleted, so a flood of refused deliveries cannot fill the disk. */
export const KEEP_DELIVERIES = 10_000;

interface DeliveryRow {
  trigger: string;
  delivery_id: string;
  received_at: string;
  outcome: DeliveryRecord['outcome'];
  reason: string | null;
  event: string | null;
  branch: string | null;
  sha: string | null;
  run_id: string | null;
}

interface QueueRow {
  seq: number;
  run_id: string;
  trigger: string;
  delivery_id: string;
  params: string;
  facts: string;
  grp: string | null;
  state: QueueEntry['state'];
  enqueued_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, trigger TEXT NOT NULL, delivery_id TEXT NOT NULL, received_at TEXT NOT NULL,
  outcome TEXT NOT NULL, reason TEXT, event TEXT, branch TEXT, sha TEXT, run_id TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_accepted ON deliveries (trigger, delivery_id) WHERE outcome = 'accepted';
CREATE TABLE IF NOT EXISTS queue (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, trigger TEXT NOT NULL, delivery_id TEXT NOT NULL,
  params TEXT NOT NULL, facts TEXT NOT NULL, grp TEXT, state TEXT NOT NULL, enqueued_at TEXT NOT NULL);
`;

const toRecord = (r: DeliveryRow): DeliveryRecord => ({
  trigger: r.trigger,
  deliveryId: r.delivery_id,
  receivedAt: r.received_at,
  outcome: r.outcome,
  ...(r.reason ? { reason: r.reason } : {}),
  ...(r.event ? { event: r.event } : {}),
  ...(r.branch ? { branch: r.branch } : {}),
  ...(r.sha ? { sha: r.sha } : {}),
  ...(r.run_id ? { runId: r.run_id } : {}),
});

const toEntry = (r: QueueRow): QueueEntry => ({
  seq: r.seq,
  runId: r.run_id,
  trigger: r.trigger,
  deliveryId: r.delivery_id,
  params: JSON.parse(r.params) as QueueEntry['params'],
  facts: JSON.parse(r.facts) as QueueEntry['facts'],
  ...(r.grp !== null ? { group: r.grp } : {}),
  state: r.state,
  enqueuedAt: r.enqueued_at,
});

export class ServeStore implements DeliverySink {
  private readonly db: Database.Database;
  private readonly insertDelivery: Database.Statement;
  private readonly findAccepted: Database.Statement<[string, string], { run_id: string }>;
  private readonly insertEntry: Database.Statement;
  private inserted = 0;

  constructor(path: string, opts: { readonly?: boolean } = {}) {
    this.db = new Database(path, {
      readonly: opts.readonly ?? false,
      fileMustExist: opts.readonly ?? false,
      nativeBinding: sqliteNativeBinding(),
    });
    this.db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      // An accepted delivery is on disk before its 202: not lost to a crash of the machine either.
      this.db.pragma('synchronous = FULL');
      this.db.exec(SCHEMA);
    }
    this.insertDelivery = this.db.prepare(
      `INSERT INTO deliveries (trigger, delivery_id, received_at, outcome, reason, event, branch, sha, run_id)
       VALUES (@trigger, @deliveryId, @receivedAt, @outcome, @reason, @event, @branch, @sha, @runId)`,
    );
    this.findAccepted = this.db.prepare(
      "SELECT run_id FROM deliveries WHERE trigger = ? AND delivery_id = ? AND outcome = 'accepted'",
    );
    this.insertEntry = this.db.prepare(
      `INSERT INTO queue (run_id, trigger, delivery_id, params, facts, grp, state, enqueued_at)
       VALUES (?, ?, ?, ?, ?, ?, 'queued', ?)`,
    );
  }

  private addDelivery(r: DeliveryRecord): void {
    this.insertDelivery.run({ reason: null, event: null, branch: null, sha: null, runId: null, ...r });
    if (++this.inserted % 500 === 0)
      this.db.prepare('DELETE FROM deliveries WHERE seq <= (SELECT MAX(seq) FROM deliveries) - ?').run(KEEP_DELIVERIES);
  }

  /** The queue entry and the accepted delivery in one transaction; an id accepted before names its run instead. */
  async accept(d: AcceptedDelivery): Promise<{ duplicateOf?: string }> {
    return this.db.transaction(() => {
      const earlier = this.findAccepted.get(d.trigger.name, d.record.deliveryId);
      if (earlier) return { duplicateOf: earlier.run_id };
      this.addDelivery(d.record);
      this.insertEntry.run(
        d.record.runId,
        d.trigger.name,
        d.record.deliveryId,
        JSON.stringify(d.params),
        JSON.stringify(d.facts),
        d.group ?? null,
        d.record.receivedAt,
      );
      return {};
    })();
  }

  async note(record: DeliveryRecord): Promise<void> {
    this.addDelivery(record);
  }

  deliveries(q: { trigger?: string; limit: number }): DeliveryRecord[] {
    const rows = this.db
      .prepare<[string | null, string | null, number], DeliveryRow>(
        'SELECT * FROM deliveries WHERE (? IS NULL OR trigger = ?) ORDER BY seq DESC LIMIT ?',
      )
      .all(q.trigger ?? null, q.trigger ?? null, q.limit);
    return rows.map(toRecord);
  }

  /** The queue in arrival order. */
  entries(): QueueEntry[] {
    return this.db.prepare<[], QueueRow>('SELECT * FROM queue ORDER BY seq').all().map(toEntry);
  }

  setState(runId: string, state: QueueEntry['state']): void {
    this.db.prepare('UPDATE queue SET state = ? WHERE run_id = ?').run(state, runId);
  }

  /** The run ended (or was cancelled before it began): its entry leaves the queue. */
  remove(runId: string): void {
    this.db.prepare('DELETE FROM queue WHERE run_id = ?').run(runId);
  }

  close(): void {
    this.db.close();
  }
}
