import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { TEAM_LAKE_ENV, teamLakeOptions } from '../support/team-lake.js';

/**
 * The team setup (zones on an S3 API, metadata in PostgreSQL): objects exist only behind
 * the S3 API, so every read of the crawler (heads, probes) and of the engine must go
 * through the store or its local cache, never a path under the lake directory.
 */
describe('crawlers on S3 storage with PostgreSQL metadata', () => {
  let s3: S3TestServer;
  let dir: string;
  let lake: Lake;

  beforeAll(async () => {
    s3 = await startS3Server({ bucket: 'crawl-lake' });
    dir = await mkdtemp(join(tmpdir(), 'lakebox-crawl-s3-'));
  });
  afterAll(async () => {
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    const name = `lake-${Math.random().toString(36).slice(2)}`;
    lake = await Lake.init(join(dir, name), await teamLakeOptions(s3, name), {
      env: TEAM_LAKE_ENV,
    });
  });
  afterEach(() => lake.close());

  it('registers Hive-partitioned CSV and Parquet objects as queryable tables, incrementally', async () => {
    expect(lake.services.store.localPath('raw/x')).toBeUndefined(); // really remote
    await lake.services.store.put(
      'raw/shop/orders/day=2024-01-01/a.csv',
      Buffer.from('id,code,amount\n1,007,1.50\n2,012,2.25\n'),
    );
    await lake.services.store.put(
      'raw/shop/orders/day=2024-01-02/b.csv',
      Buffer.from('id,code,amount\n3,099,3.10\n'),
    );
    await lake.services.store.put(
      'raw/shop/items/region=1/x.parquet',
      await parquetBytes("select range as id, 'n' || range as name from range(5)"),
    );
    await lake.services.store.put(
      'raw/shop/items/region=2/y.parquet',
      await parquetBytes("select range as id, 'm' || range as name from range(3)"),
    );
    await lake.crawlers.create('shop', {
      database: 'shop',
      targets: [{ path: 'raw/shop/' }],
      deletion: 'delete',
    });

    const first = await lake.crawlers.run('shop');
    expect((await lake.crawlers.summary(first.id))?.skipped).toEqual([]);
    expect(first.status).toBe('succeeded');
    expect(first.metrics).toMatchObject({
      tablesCreated: 2,
      filesRegistered: 4,
      partitionsAdded: 4,
    });
    const orders = await lake.describeTable('shop.orders');
    expect(orders.schema.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'BIGINT'],
      ['code', 'VARCHAR'],
      ['amount', 'DECIMAL(18,2)'],
      ['day', 'DATE'],
    ]);
    expect(
      (
        await lake.query(
          'select id, code, amount::double as amount, day::varchar as day from shop.orders order by id',
        )
      ).rows(),
    ).toEqual([
      { id: 1, code: '007', amount: 1.5, day: '2024-01-01' },
      { id: 2, code: '012', amount: 2.25, day: '2024-01-01' },
      { id: 3, code: '099', amount: 3.1, day: '2024-01-02' },
    ]);
    expect(
      (
        await lake.query(
          'select region, count(*) as n, max(name) as top from shop.items group by region order by region',
        )
      ).rows(),
    ).toEqual([
      { region: 1, n: 5, top: 'n4' },
      { region: 2, n: 3, top: 'm2' },
    ]);
    expect((await lake.describeTable('shop.items')).snapshot?.recordCount).toBe(8);

    // Nothing new: no file is probed, no table gets a snapshot.
    const snapshots = await currentSnapshots(lake, ['shop.orders', 'shop.items']);
    const again = await lake.crawlers.run('shop');
    expect(again.status).toBe('succeeded');
    expect(again.metrics).toMatchObject({
      filesListed: 4,
      filesNew: 0,
      filesChanged: 0,
      filesRemoved: 0,
      filesRegistered: 0,
      tablesCreated: 0,
      tablesUpdated: 0,
    });
    expect(await currentSnapshots(lake, ['shop.orders', 'shop.items'])).toEqual(snapshots);

    // One partition's object gone: the table loses it in a new snapshot and keeps the rest.
    await lake.services.store.delete('raw/shop/items/region=2/y.parquet');
    const third = await lake.crawlers.run('shop');
    expect(third.metrics).toMatchObject({ filesRemoved: 1, tablesUpdated: 1, tablesDeleted: 0 });
    expect((await lake.query('select count(*) as n from shop.items')).rows()).toEqual([{ n: 5 }]);

    // Every object of a table gone: the deletion policy (delete) drops it.
    await lake.services.store.delete('raw/shop/orders/day=2024-01-01/a.csv');
    await lake.services.store.delete('raw/shop/orders/day=2024-01-02/b.csv');
    const fourth = await lake.crawlers.run('shop');
    expect((await lake.crawlers.summary(fourth.id))?.tablesDeleted).toEqual(['shop.orders']);
    expect(await lake.services.catalog.findTable('shop.orders')).toBeUndefined();
    expect((await lake.query('select count(*) as n from shop.items')).rows()).toEqual([{ n: 5 }]);
  });

  it('reads NDJSON and gzip CSV objects, re-reads one replaced in place, deprecates a table whose objects are gone', async () => {
    await lake.services.store.put('raw/ev/clicks/dt=2024-01-01/a.csv', Buffer.from('n\n1\n2\n'));
    await lake.services.store.put(
      'raw/ev/views/v.ndjson',
      Buffer.from('{"page":"home","ms":12}\n'),
    );
    await lake.services.store.put('raw/ev/logs/l.csv.gz', gzipSync('level,msg\nwarn,disk\n'));
    const first = await lake.crawlers.crawl({ database: 'ev', targets: [{ path: 'raw/ev/' }] });
    expect(first.metrics).toMatchObject({ tablesCreated: 3, filesRegistered: 3 });
    expect((await lake.query('select page, ms from ev.views')).rows()).toEqual([
      { page: 'home', ms: 12 },
    ]);
    expect((await lake.query('select level, msg from ev.logs')).rows()).toEqual([
      { level: 'warn', msg: 'disk' },
    ]);

    await lake.services.store.put(
      'raw/ev/clicks/dt=2024-01-01/a.csv',
      Buffer.from('n\n10\n20\n30\n'),
    );
    const changed = await lake.crawlers.crawl({ database: 'ev', targets: [{ path: 'raw/ev/' }] });
    expect(changed.metrics).toMatchObject({ filesChanged: 1, tablesUpdated: 1 });
    expect((await lake.query('select sum(n) as total from ev.clicks')).rows()).toEqual([
      { total: 60 },
    ]);
    // Replaced again by content of the same size: the engine's cached copy is keyed by ETag
    // for external files, so the query reads the new bytes.
    await lake.services.store.put(
      'raw/ev/clicks/dt=2024-01-01/a.csv',
      Buffer.from('n\n40\n50\n60\n'),
    );
    await lake.crawlers.crawl({ database: 'ev', targets: [{ path: 'raw/ev/' }] });
    expect((await lake.query('select sum(n) as total from ev.clicks')).rows()).toEqual([
      { total: 150 },
    ]);

    await lake.services.store.delete('raw/ev/views/v.ndjson');
    const gone = await lake.crawlers.crawl({ database: 'ev', targets: [{ path: 'raw/ev/' }] });
    expect((await lake.crawlers.summary(gone.id))?.tablesDeprecated).toEqual(['ev.views']);
    expect((await lake.query('select count(*) as n from ev.views')).rows()).toEqual([{ n: 0 }]);
  });
});

async function currentSnapshots(lake: Lake, tables: string[]): Promise<Array<number | null>> {
  return Promise.all(
    tables.map(async (t) => (await lake.services.catalog.getTable(t)).currentSnapshotId),
  );
}

/** The bytes of a Parquet file that DuckDB writes from a SELECT. */
async function parquetBytes(select: string): Promise<Buffer> {
  const scratch = await mkdtemp(join(tmpdir(), 'lakebox-parquet-'));
  const path = join(scratch, 'f.parquet');
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (${select}) TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`);
    return await readFile(path);
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(scratch, { recursive: true, force: true });
  }
}
