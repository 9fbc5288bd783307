import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

describe('lakebox CLI', () => {
  let root: string;
  let lake: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-cli-'));
    lake = join(root, 'lake');
    await writeFile(
      join(root, 'orders.csv'),
      'id,customer,amount,day\n1,ann,10.5,2026-01-01\n2,bob,20,2026-01-02\n3,ann,4,2026-01-02\n',
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('initialises a lake, loads a file and queries it in every output format', async () => {
    const init = await runCli(['init', lake]);
    expect(init).toMatchObject({ code: 0 });
    expect(init.stdout).toContain('Created a lake in');

    const load = await runCli([
      '--lake',
      lake,
      'load',
      'sales.orders',
      join(root, 'orders.csv'),
      '--partition-by',
      'day',
    ]);
    expect(load.stderr).toContain('Loading 1 file(s)');
    expect(load).toMatchObject({ code: 0 });
    expect(load.stdout).toMatch(
      /Loaded 3 rows in 2 file\(s\) .* into sales\.orders: snapshot \d+ \(run run_/,
    );

    const env = { LAKEBOX_LAKE: lake };
    const table = await runCli(
      ['query', 'select customer, sum(amount) as total from sales.orders group by 1 order by 1'],
      { env },
    );
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/customer.*total/);
    expect(table.stdout).toMatch(/ann.*14\.5/);
    expect(table.stdout).toContain('2 rows');

    const json = await runCli(
      ['query', 'select id from sales.orders order by id', '--format', 'json'],
      { env },
    );
    expect(JSON.parse(json.stdout)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const csv = await runCli(
      ['query', "select id, 'a,b' as s from sales.orders order by id limit 1", '--format', 'csv'],
      { env },
    );
    expect(csv.stdout).toBe('id,s\n1,"a,b"\n');
    const viaGlobalJson = await runCli(['--json', 'query', 'select 1 as one'], { cwd: lake });
    expect(JSON.parse(viaGlobalJson.stdout)).toEqual([{ one: 1 }]);
  });

  it('describes tables, history, runs and events, as tables and as JSON', async () => {
    const env = { LAKEBOX_LAKE: lake };
    const tables = await runCli(['tables'], { env });
    expect(tables.stdout).toMatch(/sales\.orders.*managed.*parquet.*3/);
    const tablesJson = JSON.parse((await runCli(['--json', 'tables', 'sales'], { env })).stdout);
    expect(tablesJson).toMatchObject([{ table: 'sales.orders', rows: 3, files: 2 }]);

    const table = await runCli(['table', 'sales.orders'], { env });
    expect(table.stdout).toContain('partitioned by');
    expect(table.stdout).toMatch(/day=2026-01-02.*2/);
    expect(table.stdout).toMatch(/amount.*DOUBLE/);
    const tableJson = JSON.parse(
      (await runCli(['--json', 'table', 'sales.orders'], { env })).stdout,
    );
    expect(tableJson.schema.partitionColumns).toEqual(['day']);

    const history = JSON.parse(
      (await runCli(['--json', 'history', 'sales.orders'], { env })).stdout,
    );
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ operation: 'append', recordCount: 3 });
    const asOf = await runCli(
      [
        'query',
        'select count(*) as n from sales.orders',
        '--as-of',
        String(history[0].id),
        '--format',
        'json',
      ],
      { env },
    );
    expect(JSON.parse(asOf.stdout)).toEqual([{ n: 3 }]);

    const runs = JSON.parse((await runCli(['--json', 'runs', '--kind', 'load'], { env })).stdout);
    expect(runs[0]).toMatchObject({ kind: 'load', status: 'succeeded' });
    const run = await runCli(['run', runs[0].id], { env });
    expect(run.stdout).toContain('succeeded');
    expect(run.stdout).toContain('Logs:');
    expect(run.stdout).toContain('committed snapshot');

    const events = JSON.parse(
      (await runCli(['--json', 'events', '--type', 'table.*'], { env })).stdout,
    );
    expect(events.map((e: { type: string }) => e.type)).toEqual([
      'table.created',
      'table.committed',
    ]);
    const vacuum = await runCli(['vacuum', '--grace', '0'], { env });
    expect(vacuum).toMatchObject({ code: 0 });
    expect(vacuum.stdout).toMatch(/Deleted 0 file\(s\)/);
  });

  it('fails with one clear line, a stable code and a meaningful exit code; stack traces only with --debug', async () => {
    const env = { LAKEBOX_LAKE: lake };
    const unknown = await runCli(['query', 'select * from sales.ordrs'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(
      /^lakebox: Table sales\.ordrs does not exist\. Did you mean sales\.orders\? \[TABLE_NOT_FOUND\]$/m,
    );

    const syntax = await runCli(['query', 'select * fro sales.orders'], { env });
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toContain('syntax error at or near');
    expect(syntax.stderr).toContain('[SQL_ERROR]');
    expect(syntax.stderr).not.toMatch(/\n\s+at /);
    const debug = await runCli(['--debug', 'query', 'select * fro sales.orders'], { env });
    expect(debug.stderr).toMatch(/\n\s+at /);

    const badName = await runCli(['load', 'sales.bad name', join(root, 'orders.csv')], { env });
    expect(badName).toMatchObject({ code: 2 });
    expect(badName.stderr).toContain('[INVALID_IDENTIFIER]');

    const noLake = await runCli(['tables'], { cwd: root });
    expect(noLake.code).toBe(2);
    expect(noLake.stderr).toMatch(/No lake at .*lakebox\.json is missing.*\[CONFIG_NOT_FOUND\]/);

    const usage = await runCli(['query'], { env });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'sql'");
    const typo = await runCli(['tabels'], { env });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean tables?');
  });

  it('names the file and the field of a corrupt or invalid config', async () => {
    const broken = join(root, 'broken');
    expect((await runCli(['init', broken])).code).toBe(0);
    await writeFile(join(broken, 'lakebox.json'), '{ "version": 1, "storage": ');
    const corrupt = await runCli(['--lake', broken, 'tables']);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/broken\/lakebox\.json is not valid JSON .*\[INVALID_CONFIG\]/);

    await writeFile(
      join(broken, 'lakebox.json'),
      JSON.stringify({ version: 1, storage: { type: 'ftp' } }),
    );
    const field = await runCli(['--lake', broken, 'tables']);
    expect(field.stderr).toMatch(/lakebox\.json: field storage\.type: .*\[INVALID_CONFIG\]/);

    await writeFile(
      join(broken, 'lakebox.json'),
      JSON.stringify({
        version: 1,
        metadata: { type: 'postgres', url: '${env:LAKEBOX_TEST_MISSING_URL}' },
      }),
    );
    const secret = await runCli(['--lake', broken, 'tables']);
    expect(secret.stderr).toMatch(
      /field metadata\.url refers to environment variable LAKEBOX_TEST_MISSING_URL, which is not set/,
    );
  });

  it('has --help on every command', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of [
      'init',
      'query',
      'tables',
      'table',
      'history',
      'load',
      'vacuum',
      'runs',
      'run',
      'events',
      'databases',
    ]) {
      expect(help.stdout).toContain(command);
      const sub = await runCli([command, '--help']);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toContain(`Usage: lakebox ${command}`);
    }
  });
});
