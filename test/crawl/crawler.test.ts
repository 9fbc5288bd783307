import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';
import { drop, dropParquet, dropZstd } from './crawl-fixture.js';

describe('crawlers (local storage + SQLite)', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
  });
  afterEach(() => cleanup());

  it('registers Hive-partitioned CSV and Parquet as typed, queryable external tables', async () => {
    await drop(
      dir,
      'raw/sales/orders/day=2024-01-01/a.csv',
      'id,code,amount,paid\n1,007,1.50,true\n2,012,2.25,false\n',
    );
    await drop(
      dir,
      'raw/sales/orders/day=2024-01-02/b.csv',
      'id,code,amount,paid\n3,099,3.10,true\n',
    );
    await dropParquet(
      dir,
      'raw/sales/items/region=1/x.parquet',
      "select range as id, 'n' || range as name from range(5)",
    );
    await dropParquet(
      dir,
      'raw/sales/items/region=2/y.parquet',
      "select range as id, 'm' || range as name from range(3)",
    );
    await lake.crawlers.create('sales', { database: 'sales', targets: [{ path: 'raw/sales/' }] });
    const run = await lake.crawlers.run('sales');
    expect(run.status).toBe('succeeded');
    expect(run.metrics).toMatchObject({ tablesCreated: 2, filesRegistered: 4, partitionsAdded: 4 });

    const orders = await lake.describeTable('sales.orders');
    expect(orders.table).toMatchObject({
      kind: 'external',
      format: 'csv',
      location: 'raw/sales/orders/',
    });
    expect(orders.schema.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'BIGINT'],
      ['code', 'VARCHAR'],
      ['amount', 'DECIMAL(18,2)'],
      ['paid', 'BOOLEAN'],
      ['day', 'DATE'],
    ]);
    expect(orders.schema.partitionColumns).toEqual(['day']);
    const rows = await lake.query(
      "select id, code, amount::double as amount from sales.orders where day = DATE '2024-01-02'",
    );
    expect(rows.rows()).toEqual([{ id: 3, code: '099', amount: 3.1 }]);

    const items = await lake.describeTable('sales.items');
    expect(items.schema.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'BIGINT'],
      ['name', 'VARCHAR'],
      ['region', 'BIGINT'],
    ]);
    expect(items.snapshot?.recordCount).toBe(8);
    expect(
      (await lake.query('select count(*) as n from sales.items where region = 2')).rows(),
    ).toEqual([{ n: 3 }]);

    const events = await lake.listEvents({ type: 'crawler.*' });
    expect(events.map((e) => e.type)).toEqual(['crawler.created', 'crawler.succeeded']);
    expect((await lake.listEvents({ type: 'table.created' })).map((e) => e.subject).sort()).toEqual(
      ['sales.items', 'sales.orders'],
    );
  });

  it('prunes partitions: a query on one partition opens only its files', async () => {
    for (let d = 1; d <= 5; d++)
      for (let f = 0; f < 3; f++)
        await dropParquet(
          dir,
          `raw/ev/clicks/dt=2024-01-0${d}/f${f}.parquet`,
          `select ${d} as d, range as n from range(10)`,
        );
    await lake.crawlers.crawl({ database: 'ev', targets: [{ path: 'raw/ev/' }] });
    const plan = await lake.query(
      "explain analyze select count(*) from ev.clicks where dt = DATE '2024-01-03'",
    );
    const text = JSON.stringify(plan.rows());
    const filesRead = [...text.matchAll(/Total Files Read: (\d+)/g)].map((m) => Number(m[1]));
    expect(filesRead).toEqual([3]);
    expect(
      (await lake.query("select count(*) as n from ev.clicks where dt = DATE '2024-01-03'")).rows(),
    ).toEqual([{ n: 30 }]);
  });

  it('names unnamed date folders partition_0..n, and reads gzip CSV and NDJSON with nested values', async () => {
    await drop(
      dir,
      'raw/logs/app/2024/01/05/a.ndjson',
      '{"id":1,"user":{"name":"a","age":3},"tags":["x"]}\n',
    );
    await drop(
      dir,
      'raw/logs/app/2024/01/06/b.ndjson',
      '{"id":2,"user":{"name":"b"},"tags":["y","z"],"extra":true}\n',
    );
    await drop(dir, 'raw/logs/gz/a.csv.gz', gzipSync('k,v\n1,one\n2,two\n'));
    const run = await lake.crawlers.crawl({ database: 'logs', targets: [{ path: 'raw/logs/' }] });
    expect(run.status).toBe('succeeded');
    const app = await lake.describeTable('logs.app');
    expect(app.schema.partitionColumns).toEqual(['partition_0', 'partition_1', 'partition_2']);
    const user = app.schema.columns.find((c) => c.name === 'user');
    expect(user?.type).toMatch(/^STRUCT\(/);
    expect(app.schema.columns.find((c) => c.name === 'tags')?.type).toBe('VARCHAR[]');
    const rows = await lake.query(
      "select id, user.name as name, len(tags) as n, extra from logs.app where partition_2 = '06'",
    );
    expect(rows.rows()).toEqual([{ id: 2, name: 'b', n: 2, extra: true }]);
    expect((await lake.query('select sum(k) as s from logs.gz')).rows()).toEqual([{ s: 3 }]);
  });

  it('reads zstd-compressed CSV and NDJSON', async () => {
    await dropZstd(
      dir,
      'raw/zst/events/a.csv.zst',
      "select range as id, 'e' || range as name from range(4)",
      'csv',
    );
    await dropZstd(
      dir,
      'raw/zst/docs/a.ndjson.zst',
      "select range as id, {'k': range} as body from range(3)",
      'json',
    );
    const run = await lake.crawlers.crawl({ database: 'zst', targets: [{ path: 'raw/zst/' }] });
    expect(run.status).toBe('succeeded');
    expect((await lake.describeTable('zst.events')).schema.columns.map((c) => c.name)).toEqual([
      'id',
      'name',
    ]);
    expect(
      (await lake.query('select count(*) as n, max(name) as m from zst.events')).rows(),
    ).toEqual([{ n: 4, m: 'e3' }]);
    expect((await lake.query('select sum(body.k) as s from zst.docs')).rows()).toEqual([{ s: 3 }]);
  });

  it('skips corrupt, empty, ragged and broken files with reasons, and goes on', async () => {
    await drop(dir, 'raw/bad/t/good.csv', 'a,b\n1,x\n');
    await drop(dir, 'raw/bad/t/empty.csv', '');
    await drop(dir, 'raw/bad/r/ragged.csv', 'a,b\n1,x\n2,y,z,w\n3\n');
    await drop(dir, 'raw/bad/p/corrupt.parquet', 'PAR1 this is not parquet PAR1');
    await drop(dir, 'raw/bad/j/broken.json', '{"a": 1, "b": [1, 2}\n');
    await lake.crawlers.create('bad', { database: 'bad', targets: [{ path: 'raw/bad/' }] });
    const run = await lake.crawlers.run('bad');
    expect(run.status).toBe('succeeded_with_errors');
    const summary = await lake.crawlers.summary(run.id);
    const reasons = Object.fromEntries(summary!.skipped.map((s) => [s.key, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual([
      'raw/bad/j/broken.json',
      'raw/bad/p/corrupt.parquet',
      'raw/bad/r/ragged.csv',
      'raw/bad/t/empty.csv',
    ]);
    expect(reasons['raw/bad/t/empty.csv']).toMatch(/empty/);
    expect(reasons['raw/bad/p/corrupt.parquet']).toMatch(/Parquet/);
    expect(reasons['raw/bad/r/ragged.csv']).toMatch(/ragged/);
    expect(reasons['raw/bad/j/broken.json']).toMatch(/JSON/);
    expect((await lake.query('select * from bad.t')).rows()).toEqual([{ a: 1, b: 'x' }]);
    const logs = await lake.runs.logs(run.id);
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('raw/bad/t/empty.csv'))).toBe(
      true,
    );
  });

  it('widens int-then-string and reports it; detects Latin-1', async () => {
    await drop(dir, 'raw/w/t/1.csv', 'id,v\n1,10\n');
    await drop(dir, 'raw/w/t/2.csv', 'id,v\n2,ten\n');
    await drop(dir, 'raw/w/latin/a.csv', Buffer.from('id,name\n1,caf\xe9\n2,na\xefve\n', 'latin1'));
    const run = await lake.crawlers.crawl({ database: 'w', targets: [{ path: 'raw/w/' }] });
    const summary = await lake.crawlers.summary(run.id);
    expect(summary!.schemaChanges).toContainEqual(
      expect.objectContaining({ table: 'w.t', kind: 'widened', column: 'v', to: 'VARCHAR' }),
    );
    expect((await lake.query('select v from w.t order by id')).rows()).toEqual([
      { v: '10' },
      { v: 'ten' },
    ]);
    expect(summary!.encodings).toEqual([{ key: 'raw/w/latin/a.csv', encoding: 'latin-1' }]);
    expect((await lake.query('select name from w.latin order by id')).rows()).toEqual([
      { name: 'café' },
      { name: 'naïve' },
    ]);
  });

  it('evolves a table when later files add a column (policy update); old files read null', async () => {
    await drop(dir, 'raw/e/t/1.csv', 'id,name\n1,a\n');
    await lake.crawlers.create('e', { database: 'e', targets: [{ path: 'raw/e/' }] });
    await lake.crawlers.run('e');
    await drop(dir, 'raw/e/t/2.csv', 'id,name,extra\n2,b,x\n');
    const run = await lake.crawlers.run('e');
    expect(run.metrics).toMatchObject({ filesNew: 1, tablesUpdated: 1 });
    expect((await lake.query('select id, extra from e.t order by id')).rows()).toEqual([
      { id: 1, extra: null },
      { id: 2, extra: 'x' },
    ]);
    expect((await lake.describeTable('e.t')).schema.version).toBe(2);
    expect((await lake.listEvents({ type: 'table.updated' })).map((e) => e.subject)).toEqual([
      'e.t',
    ]);
  });

  it('keeps the schema under policy log, and registers a new table under new-version', async () => {
    await drop(dir, 'raw/l/t/1.parquet', '');
    await rm(join(dir, 'raw/l/t/1.parquet'));
    await dropParquet(dir, 'raw/l/t/1.parquet', 'select 1 as id');
    await lake.crawlers.create('l', {
      database: 'l',
      targets: [{ path: 'raw/l/' }],
      schemaChange: 'log',
    });
    await lake.crawlers.run('l');
    await dropParquet(dir, 'raw/l/t/2.parquet', "select 2 as id, 'x' as extra");
    const run = await lake.crawlers.run('l');
    const summary = await lake.crawlers.summary(run.id);
    expect(summary!.schemaChanges[0]).toMatchObject({
      kind: 'added',
      column: 'extra',
      detail: expect.stringMatching(/log/),
    });
    expect((await lake.describeTable('l.t')).schema.columns.map((c) => c.name)).toEqual(['id']);
    expect((await lake.query('select id from l.t order by id')).rows()).toEqual([
      { id: 1 },
      { id: 2 },
    ]);

    await lake.crawlers.update('l', { schemaChange: 'new-version' });
    await dropParquet(dir, 'raw/l/t/3.parquet', "select 3 as id, 'y' as extra, 1.5 as more");
    const next = await lake.crawlers.run('l');
    expect((await lake.crawlers.summary(next.id))!.schemaChanges).toContainEqual(
      expect.objectContaining({ kind: 'new-version', table: 'l.t' }),
    );
    expect((await lake.query('select id, extra from l.t_v2')).rows()).toEqual([
      { id: 3, extra: 'y' },
    ]);
  });

  it('deprecates or deletes tables whose files are gone, and re-crawls nothing new as a no-op', async () => {
    await drop(dir, 'raw/d/keep/a.csv', 'a\n1\n');
    await drop(dir, 'raw/d/gone/a.csv', 'a\n1\n');
    await drop(dir, 'raw/d/gone/b.csv', 'a\n2\n');
    await lake.crawlers.create('d', { database: 'd', targets: [{ path: 'raw/d/' }] });
    await lake.crawlers.run('d');
    const again = await lake.crawlers.run('d');
    expect(again.metrics).toMatchObject({ filesNew: 0, filesRegistered: 0, tablesUpdated: 0 });

    await rm(join(dir, 'raw/d/gone/a.csv'));
    const partial = await lake.crawlers.run('d');
    expect(partial.metrics).toMatchObject({ filesRemoved: 1, tablesUpdated: 1 });
    expect((await lake.query('select a from d.gone')).rows()).toEqual([{ a: 2 }]);

    await rm(join(dir, 'raw/d/gone'), { recursive: true });
    const deprecated = await lake.crawlers.run('d');
    expect((await lake.crawlers.summary(deprecated.id))!.tablesDeprecated).toEqual(['d.gone']);
    expect((await lake.query('select count(*) as n from d.gone')).rows()).toEqual([{ n: 0 }]);

    await lake.crawlers.update('d', { deletion: 'delete' });
    await rm(join(dir, 'raw/d/keep'), { recursive: true });
    const deleted = await lake.crawlers.run('d');
    expect((await lake.crawlers.summary(deleted.id))!.tablesDeleted).toEqual(['d.keep']);
    expect(await lake.services.catalog.findTable('d.keep')).toBeUndefined();
  });

  it('splits incompatible schemas in one folder, honours excludes, pins a custom CSV format', async () => {
    await drop(dir, 'raw/m/t/a.csv', 'id,name\n1,a\n');
    await drop(dir, 'raw/m/t/b.csv', 'id,name\n2,b\n');
    await drop(dir, 'raw/m/t/c.csv', 'x,y,z\n1,2,3\n');
    await drop(dir, 'raw/m/t/skip.tmp.csv', 'nope\n');
    await drop(dir, 'raw/m/legacy/a.txt', '1;2024-01-05\n2;2024-01-06\n');
    const run = await lake.crawlers.crawl({
      database: 'm',
      targets: [{ path: 'raw/m/', exclude: ['**/*.tmp.csv'] }],
      classifiers: [
        {
          prefix: 'raw/m/legacy/',
          delimiter: ';',
          header: false,
          columns: [
            { name: 'n', type: 'INTEGER' },
            { name: 'day', type: 'DATE' },
          ],
        },
      ],
    });
    expect(run.status).toBe('succeeded');
    const summary = await lake.crawlers.summary(run.id);
    expect(summary!.schemaChanges).toContainEqual(
      expect.objectContaining({ kind: 'split', table: 'm.t' }),
    );
    expect((await lake.query('select count(*) as n from m.t')).rows()).toEqual([{ n: 2 }]);
    expect((await lake.query('select z from m.t_2')).rows()).toEqual([{ z: 3 }]);
    expect(
      (await lake.query('select n, day::varchar as day from m.legacy order by n')).rows(),
    ).toEqual([
      { n: 1, day: '2024-01-05' },
      { n: 2, day: '2024-01-06' },
    ]);
  });

  it('stores crawler records with policies and a cron schedule, and refuses bad input', async () => {
    const crawler = await lake.crawlers.create('nightly', {
      database: 'sales',
      targets: [{ path: 'raw/sales/', exclude: ['**/_tmp/**'] }],
      tablePrefix: 'src_',
      schemaChange: 'log',
      deletion: 'delete',
      recrawl: 'new-folders-only',
      schedule: '0 3 * * *',
    });
    expect(crawler).toMatchObject({
      name: 'nightly',
      tablePrefix: 'src_',
      recrawl: 'new-folders-only',
      schedule: '0 3 * * *',
    });
    await expect(
      lake.crawlers.create('nightly', { database: 'x', targets: [{ path: 'raw/' }] }),
    ).rejects.toMatchObject({ code: 'CRAWLER_EXISTS' });
    await expect(
      lake.crawlers.create('b', { database: 'x', targets: [{ path: 'nowhere/' }] }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(
      lake.crawlers.create('c', {
        database: 'x',
        targets: [{ path: 'raw/' }],
        schedule: 'every day',
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(lake.crawlers.run('missing')).rejects.toMatchObject({ code: 'CRAWLER_NOT_FOUND' });
    await writeFile(join(dir, 'raw/x.csv'), 'a\n1\n');
    await expect(
      lake.crawlers.crawl({ database: 'x', targets: [{ path: 's3://elsewhere/raw/' }] }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
