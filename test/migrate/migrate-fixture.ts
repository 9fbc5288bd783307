import pg from 'pg';
import { inject } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { createTestDatabase } from '../support/postgres-server.js';

/** A fresh source database in the suite's PostgreSQL, with a client and its settings. */
export async function sourceDatabase(): Promise<{
  url: string;
  client: pg.Client;
  settings: { host: string; port: number; database: string; user: string; password: string };
  cleanup(): Promise<void>;
}> {
  const url = await createTestDatabase(inject('postgresUrl'), 'lakebox_src');
  const parsed = new URL(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  process.env['LAKEBOX_TEST_PG_PASSWORD'] = 'postgres';
  return {
    url,
    client,
    settings: {
      host: parsed.hostname,
      port: Number(parsed.port),
      database: parsed.pathname.slice(1),
      user: 'postgres',
      password: '${env:LAKEBOX_TEST_PG_PASSWORD}',
    },
    async cleanup() {
      // Replication slots outlive connections: drop every slot of this database.
      await client
        .query(
          'select pg_drop_replication_slot(slot_name) from pg_replication_slots where database = current_database() and not active',
        )
        .catch(() => undefined);
      await client.end();
    },
  };
}

export async function rows(lake: Lake, sql: string): Promise<Record<string, unknown>[]> {
  return (await lake.query(sql)).jsonRows() as Record<string, unknown>[];
}

/** Polls `check` (no fixed sleeps) until it is true, failing after `timeoutMs`. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
