import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import type { Run } from '../../src/runs/run.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-lake.js';
import { sourceDatabase } from './migrate-fixture.js';

// Runs the built CLI (`npm run build` first). A CDC task runs until stopped: while it runs,
// a second start must meet it, with no clock involved.
describe('lakebox migrate start without --wait', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let source: Awaited<ReturnType<typeof sourceDatabase>>;
  const lakeDir = () => join(dir, 'lake');
  const cli = (...args: string[]) => runCli(['--lake', lakeDir(), ...args]);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-migrate-bg-'));
    source = await sourceDatabase();
    await source.client.query(`
      create table public.items (id int primary key, name text);
      insert into public.items values (1, 'a'), (2, 'b');
    `);
    expect((await runCli(['init', lakeDir()])).code).toBe(0);
    const { host, port, database, user, password } = source.settings;
    const created = await cli(
      'source',
      'create',
      'pg',
      '--engine',
      'postgres',
      '--host',
      host,
      '--port',
      String(port),
      '--database',
      database,
      '--user',
      user,
      '--password',
      password,
    );
    expect(created.code).toBe(0);
    const task = await cli(
      'migrate',
      'create',
      'live',
      '--source',
      'pg',
      '--target-database',
      'live',
      '--type',
      'full-load-and-cdc',
      '--include',
      'public.items',
    );
    expect(task).toMatchObject({ code: 0, stderr: '' });
  });
  afterAll(async () => {
    await cli('migrate', 'stop', 'live');
    await source.cleanup();
    await cleanup();
  });

  it('prints the run id, and a second start meets the running task in the foreground', async () => {
    const started = await cli('--json', 'migrate', 'start', 'live');
    expect(started).toMatchObject({ code: 0, stderr: '' });
    const run = JSON.parse(started.stdout) as Run & { pid: number };
    expect(run).toMatchObject({ kind: 'migration', name: 'live' });
    expect(run.pid).toBeGreaterThan(0);

    const second = await cli('migrate', 'start', 'live');
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toContain('[MIGRATION_TASK_RUNNING]');
    expect(second.stderr).toContain(run.id);

    expect((await cli('migrate', 'stop', 'live')).code).toBe(0);
    const lake = await Lake.open(lakeDir());
    try {
      const ended = await lake.migrations.wait(run.id);
      expect(['succeeded', 'cancelled']).toContain(ended.status);
    } finally {
      await lake.close();
    }
  });
});
