// Shared fixtures for the collector suites: run records and fresh stores on both databases.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunRecord } from '../contract/index.js';
import { openStore } from '../collector/store/open.js';
import { dropPostgresSchema } from '../collector/store/postgres.js';
import type { Store } from '../collector/store/types.js';
import type { RunClaims } from '../collector/run-token.js';

export const PG_URL = process.env.KILN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function runRecord(id: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    name: 'web-app',
    status: 'Running',
    startedAt: new Date(1_700_000_000_000).toISOString(),
    params: { revision: 'main' },
    tasks: [],
    ...over,
  };
}

export interface StoreFixture {
  kind: 'sqlite' | 'postgres';
  open(): Promise<Store>;
  /** A database URL for a collector process pointing at the same store. */
  url: string;
  cleanup(): Promise<void>;
}

export function sqliteFixture(): StoreFixture {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-store-'));
  const url = `sqlite:${join(dir, 'kiln.db')}`;
  return {
    kind: 'sqlite',
    url,
    open: () => openStore(url),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function postgresFixture(): StoreFixture {
  const schema = `kiln_test_${randomBytes(6).toString('hex')}`;
  const url = `${PG_URL}?schema=${schema}`;
  return { kind: 'postgres', url, open: () => openStore(url), cleanup: () => dropPostgresSchema(PG_URL, schema) };
}

export const storeFixtures = [sqliteFixture, postgresFixture];

/** The token claims of a runRecord(id) run (pipeline web-app, no branch, no namespace). */
export function testClaims(run: string, over: Partial<RunClaims> = {}): RunClaims {
  return { run, pipeline: 'web-app', ...over };
}
