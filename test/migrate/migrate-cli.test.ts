import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { sourceDatabase } from './migrate-fixture.js';

/** A failed command prints one line, `lakebox: <message> [CODE]`, and no stack trace. */
function oneLineError(stderr: string, code: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^lakebox: .* \\[${code}\\]$`));
}

describe('lakebox source and migrate (built CLI)', () => {
  let root: string;
  let source: Awaited<ReturnType<typeof sourceDatabase>>;
  const cli = (...args: string[]) => runCli(['--lake', join(root, 'lake'), ...args]);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-migrate-cli-'));
    source = await sourceDatabase();
    await source.client.query(`
      create table public.orders (id bigint primary key, amount numeric(10,2), placed timestamptz);
      insert into public.orders select g, g * 1.25, '2024-01-01'::timestamptz + g * interval '1 hour' from generate_series(1, 500) g;
      create table public.customers (id int primary key, name text);
      insert into public.customers values (1, 'ann'), (2, 'bob');
    `);
    expect((await runCli(['init', join(root, 'lake')])).code).toBe(0);
  });
  afterAll(async () => {
    await source.cleanup();
    await rm(root, { recursive: true, force: true });
  });

  it('creates and tests a source, refusing a literal password in one line', async () => {
    const { host, port, database, user, password } = source.settings;
    const args = ['--host', host, '--port', String(port), '--database', database, '--user', user];
    const literal = await cli(
      'source',
      'create',
      'bad',
      '--engine',
      'postgres',
      ...args,
      '--password',
      'hunter2',
    );
    expect(literal.code).toBe(2);
    oneLineError(literal.stderr, 'INVALID_ARGUMENT');
    expect(literal.stderr).not.toContain('hunter2');

    const created = await cli(
      '--json',
      'source',
      'create',
      'pg',
      '--engine',
      'postgres',
      ...args,
      '--password',
      password,
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'pg',
      engine: 'postgres',
      settings: { password: '${env:LAKEBOX_TEST_PG_PASSWORD}' },
    });

    const tested = await cli('source', 'test', 'pg');
    expect(tested.code).toBe(0);
    expect(tested.stdout).toMatch(/^ok {3}reachable: /m);
    expect(tested.stdout).toMatch(/^ok {3}wal_level: wal_level is logical$/m);
    const json = JSON.parse((await cli('--json', 'source', 'test', 'pg')).stdout);
    expect(json).toMatchObject({ source: 'pg', ok: true });
    expect(json.checks.map((c: { check: string }) => c.check)).toEqual([
      'reachable',
      'credentials',
      'wal_level',
      'replication_permission',
      'replication_slots',
    ]);

    const missing = await cli('source', 'test', 'nope');
    expect(missing.code).toBe(2);
    oneLineError(missing.stderr, 'SOURCE_NOT_FOUND');
  });

  it('creates, runs, reports and validates a full load; a mismatch exits 3', async () => {
    const created = await cli(
      'migrate',
      'create',
      'shop',
      '--source',
      'pg',
      '--target-database',
      'shop',
      '--type',
      'full-load',
      '--include',
      'public.%',
      '--prefix',
      'pg_',
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toContain('Created migration task shop (full-load) from pg into shop.');

    const started = await cli('migrate', 'start', 'shop', '--wait');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^Migrated 502 rows in 2 table\(s\) \(run run_\w+\)$/m);

    const listed = await cli('migrate', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/│ shop +│ full-load +│ pg +│ shop +│ run_\w+ +│/);

    const status = await cli('migrate', 'status', 'shop');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^shop \(full-load\): run run_\w+ succeeded/);
    expect(status.stdout).toMatch(/public\.orders.*shop\.pg_orders.*loaded.*500/);
    const statusJson = JSON.parse((await cli('--json', 'migrate', 'status', 'shop')).stdout);
    expect(
      statusJson.tables.map((t: Record<string, unknown>) => [
        t['sourceTable'],
        t['state'],
        t['rowsLoaded'],
      ]),
    ).toEqual([
      ['customers', 'loaded', 2],
      ['orders', 'loaded', 500],
    ]);

    const valid = await cli('migrate', 'validate', 'shop');
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(/public\.orders.*500.*500.*yes/);

    await source.client.query(`update public.orders set amount = 0 where id = 7`);
    const mismatch = await cli('migrate', 'validate', 'shop');
    expect(mismatch.code).toBe(3);
    expect(mismatch.stdout).toMatch(/public\.orders.*500.*500.*NO.*\[7\]/);
    const mismatchJson = await cli('--json', 'migrate', 'validate', 'shop');
    expect(mismatchJson.code).toBe(3);
    expect(JSON.parse(mismatchJson.stdout)).toMatchObject({
      task: 'shop',
      ok: false,
      tables: [
        { sourceTable: 'public.customers', match: true },
        { sourceTable: 'public.orders', match: false, sampleKeys: ['[7]'] },
      ],
    });

    const unknown = await cli('migrate', 'status', 'nope');
    expect(unknown.code).toBe(2);
    oneLineError(unknown.stderr, 'MIGRATION_TASK_NOT_FOUND');
    const twice = await cli(
      'migrate',
      'create',
      'shop',
      '--source',
      'pg',
      '--target-database',
      'shop',
    );
    expect(twice.code).toBe(2);
    oneLineError(twice.stderr, 'MIGRATION_TASK_EXISTS');

    const deleted = await cli('migrate', 'delete', 'shop');
    expect(deleted).toMatchObject({ code: 0, stderr: '' });
    expect(deleted.stdout).toContain('Deleted migration task shop; its lake tables stay');
    oneLineError((await cli('migrate', 'status', 'shop')).stderr, 'MIGRATION_TASK_NOT_FOUND');
    expect((await cli('query', 'select count(*) as n from shop.pg_orders')).code).toBe(0);

    expect(await cli('source', 'delete', 'pg')).toMatchObject({
      code: 0,
      stdout: 'Deleted source pg.\n',
    });
    const gone = await cli('source', 'delete', 'pg');
    expect(gone.code).toBe(2);
    oneLineError(gone.stderr, 'SOURCE_NOT_FOUND');
  });
});
