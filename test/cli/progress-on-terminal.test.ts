import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { runOnTerminal } from '../support/run-on-terminal.js';
import { sourceDatabase } from '../migrate/migrate-fixture.js';

/** cli-progress draws a bar with these two characters (the shades preset). */
const BAR = /[\u2588\u2591]{10,}/;

describe('progress bars on a real terminal (script)', () => {
  let root: string;
  let lake: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-progress-'));
    lake = join(root, 'lake');
    expect((await runCli(['init', lake])).code).toBe(0);
    await mkdir(join(lake, 'raw/sales/orders'), { recursive: true });
    await writeFile(join(lake, 'raw/sales/orders/a.csv'), 'id,amount\n1,2.5\n2,4\n');
    await mkdir(join(root, 'files/sub'), { recursive: true });
    await writeFile(join(root, 'files/a.txt'), 'a\n');
    await writeFile(join(root, 'files/sub/b.txt'), 'bb\n');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('crawler run --wait draws a bar and succeeds', async () => {
    const env = { LAKEBOX_LAKE: lake };
    const created = await runCli(
      ['crawler', 'create', 'sales', '--database', 'sales', '--target', 'raw/sales/'],
      { env },
    );
    expect(created.code).toBe(0);
    const run = await runOnTerminal(['crawler', 'run', 'sales', '--wait'], { env });
    expect(run.stdout).not.toContain('INTERNAL');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(BAR);
    expect(run.stdout).toMatch(/1 table\(s\) created/);
  });

  it('crawl draws a bar and succeeds', async () => {
    const run = await runOnTerminal(['--lake', lake, 'crawl', 'raw/sales/', '--database', 'again']);
    expect(run.stdout).not.toContain('INTERNAL');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(BAR);
  });

  it('sync run draws a bar that ends at 100% and succeeds', async () => {
    const run = await runOnTerminal([
      '--lake',
      lake,
      'sync',
      'run',
      '--from',
      join(root, 'files'),
      '--to',
      'lake://raw/files',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(BAR);
    expect(run.stdout).toContain('100%');
    expect(run.stdout).toMatch(/Sync succeeded.*2 transferred/);
  });

  it('migrate start --wait draws one bar per table and succeeds', async () => {
    const source = await sourceDatabase();
    try {
      await source.client.query(`
        create table public.items (id int primary key, name text);
        insert into public.items select g, 'n' || g from generate_series(1, 50) g;
      `);
      const { host, port, database, user, password } = source.settings;
      const cli = (...args: string[]) => runCli(['--lake', lake, ...args]);
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
        'items',
        '--source',
        'pg',
        '--target-database',
        'shop',
        '--type',
        'full-load',
        '--include',
        'public.items',
      );
      expect(task.code).toBe(0);
      const run = await runOnTerminal(['--lake', lake, 'migrate', 'start', 'items', '--wait']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/public\.items \|[\u2588\u2591]{10,}\| 50 rows loaded/);
      expect(run.stdout).toMatch(/Migrated 50 rows in 1 table/);
    } finally {
      await source.cleanup();
    }
  });
});
