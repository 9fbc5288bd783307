import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import {
  createTestDatabase,
  startPostgres,
  type PostgresServer,
} from '../support/postgres-server.js';
import { runCli } from '../support/run-cli.js';
import { tempLake } from '../support/temp-lake.js';

describe('a source whose wal_level is not logical', () => {
  let server: PostgresServer;
  let client: pg.Client;
  let lake: Lake;
  let dir: string;
  let cleanupLake: () => Promise<void>;

  beforeAll(async () => {
    server = await startPostgres({ walLevel: 'replica' });
    const url = new URL(await createTestDatabase(server.url, 'lakebox_replica'));
    client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    await client.query('create table public.orders (id int primary key, note text)');
    ({ lake, dir, cleanup: cleanupLake } = await tempLake());
    process.env['LAKEBOX_TEST_REPLICA_PW'] = 'postgres';
    await lake.sources.create('replica', {
      engine: 'postgres',
      host: url.hostname,
      port: Number(url.port),
      database: url.pathname.slice(1),
      user: 'postgres',
      password: '${env:LAKEBOX_TEST_REPLICA_PW}',
    });
  });
  afterAll(async () => {
    await client?.end();
    await cleanupLake?.();
    await server?.stop();
  });

  it('fails the CDC check in one line naming the fix, in the SDK and the CLI', async () => {
    const result = await lake.sources.test('replica', { cdc: true });
    expect(result.ok).toBe(false);
    const failed = result.checks.filter((c) => !c.ok);
    expect(failed).toEqual([
      {
        check: 'wal_level',
        ok: false,
        message: expect.stringMatching(
          /^Source replica: wal_level is replica, CDC needs logical; run ALTER SYSTEM SET wal_level = logical and restart PostgreSQL\.$/,
        ),
      },
    ]);
    // Without CDC the same source is fine for a full load.
    expect((await lake.sources.test('replica', { cdc: false })).ok).toBe(true);

    const cli = await runCli(['--lake', dir, 'source', 'test', 'replica']);
    expect(cli.code).toBe(1);
    const failing = cli.stdout.split('\n').filter((l) => l.startsWith('FAIL'));
    expect(failing).toEqual([`FAIL wal_level: ${failed[0]!.message}`]);
  });

  it('refuses to start CDC with SOURCE_NOT_READY_FOR_CDC and leaves no slot behind', async () => {
    await lake.migrations.create('replica_cdc', {
      source: 'replica',
      targetDatabase: 'replica',
      type: 'full-load-and-cdc',
      mappings: { selection: [{ action: 'include', schema: 'public', table: '%' }] },
    });
    const run = await lake.migrations.wait((await lake.migrations.start('replica_cdc')).id);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({
      code: 'SOURCE_NOT_READY_FOR_CDC',
      message: expect.stringContaining('ALTER SYSTEM SET wal_level = logical'),
    });
    const { rows } = await client.query<{ n: number }>(
      'select (select count(*) from pg_replication_slots)::int + (select count(*) from pg_publication)::int as n',
    );
    expect(rows[0]!.n).toBe(0);

    const cli = await runCli(['--lake', dir, 'migrate', 'start', 'replica_cdc', '--wait']);
    expect(cli.code).toBe(1);
    expect(cli.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^lakebox: .*wal_level = logical.* \[SOURCE_NOT_READY_FOR_CDC\]$/),
    ]);
  });
});
