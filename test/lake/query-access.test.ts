import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DuckEngine } from '../../src/engine/duck-engine.js';
import { Lake } from '../../src/lake.js';
import { runCli } from '../support/run-cli.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { TEAM_LAKE_ENV, teamLakeOptions } from '../support/team-lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

const PASSWD = "select count(*) as n from read_csv('/etc/passwd', header = false, sep = ':')";

/** Lake tables of each kind a sandboxed query must still read: managed, partitioned, crawled. */
async function fillLake(lake: Lake): Promise<void> {
  await lake.writeTable(
    'shop.orders',
    { sql: 'select range as id, (range % 3)::varchar as region from range(30)' },
    { partitionBy: ['region'] },
  );
  await lake.services.store.put('raw/logs/day=1/a.csv', Buffer.from('level,n\ninfo,1\nwarn,2\n'));
  await lake.services.store.put('raw/events/b.json', Buffer.from('{"kind":"click","n":5}\n'));
  await lake.crawlers.crawl({
    database: 'ext',
    targets: [{ path: 'raw/logs/' }, { path: 'raw/events/' }],
  });
}

const TABLES =
  'select (select count(*) from shop.orders) as orders, (select sum(n) from ext.logs) as logs, (select sum(n) from ext.events) as events';

describe('file and network access from SQL', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
    await fillLake(lake);
  });
  afterEach(() => cleanup());

  it('is on by default for the embedded lake', async () => {
    const rows = (await lake.query(PASSWD)).rows() as Array<{ n: number }>;
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('can be turned off per query: other files are denied, the lake tables still read', async () => {
    const denied = await lake.query(PASSWD, { externalAccess: false }).catch((e) => e);
    expect(denied).toMatchObject({ code: 'SQL_ACCESS_DENIED' });
    expect(denied.message).toMatch(/\/etc\/passwd/);
    await expect(
      lake.query("select * from read_csv('https://example.com/x.csv')", { externalAccess: false }),
    ).rejects.toMatchObject({ code: 'SQL_ACCESS_DENIED' });
    // A path that climbs out of the lake's folders is denied too.
    await expect(
      lake.query(`select * from read_text('${join(dir, 'raw', '..', 'lakebox.json')}')`, {
        externalAccess: false,
      }),
    ).rejects.toMatchObject({ code: 'SQL_ACCESS_DENIED' });
    expect((await lake.query(TABLES, { externalAccess: false })).rows()).toEqual([
      { orders: 30, logs: 3, events: 5 },
    ]);
    const first = (await lake.history('shop.orders'))[0]!.id;
    expect(
      (
        await lake.query('select count(*) as n from shop.orders', {
          asOf: first,
          externalAccess: false,
        })
      ).rows(),
    ).toEqual([{ n: 30 }]);
    // The unrestricted instance is untouched by the sandbox.
    expect(((await lake.query(PASSWD)).rows() as Array<{ n: number }>)[0]!.n).toBeGreaterThan(0);
  });

  it('is a lake setting that callers cannot turn back on, also from the CLI', async () => {
    const configPath = join(dir, 'lakebox.json');
    const config = JSON.parse(await readFile(configPath, 'utf8'));
    await writeFile(configPath, JSON.stringify({ ...config, engine: { externalAccess: false } }));
    await lake.close();
    lake = await Lake.open(dir);
    await expect(lake.query(PASSWD, { externalAccess: true })).rejects.toMatchObject({
      code: 'SQL_ACCESS_DENIED',
    });
    expect((await lake.query(TABLES)).rows()).toEqual([{ orders: 30, logs: 3, events: 5 }]);

    const cli = await runCli(['--lake', dir, 'query', PASSWD]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/\[SQL_ACCESS_DENIED\]\n$/);
    expect(cli.stderr).not.toMatch(/\n\s+at /);
    const ok = await runCli([
      '--lake',
      dir,
      '--json',
      'query',
      'select count(*) as n from shop.orders',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([{ n: 30 }]);
  });

  it('cannot be turned back on from SQL: the sandbox configuration is locked', async () => {
    await expect(
      lake.query('SET enable_external_access = true', { externalAccess: false }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_STATEMENT' });
    // Below the statement check, the engine itself refuses.
    const { dir: allowed, cleanup: done } = await tempDir();
    const engine = await DuckEngine.create({ sandbox: { allowedDirectories: [allowed] } });
    try {
      for (const sql of [
        'SET enable_external_access = true',
        'SET lock_configuration = false',
        "SET allowed_directories = ['/']",
      ]) {
        await expect(engine.withConnection((c) => c.run(sql))).rejects.toThrow(/locked/);
      }
      await expect(
        engine.withConnection((c) => c.run("select * from read_text('/etc/passwd')")),
      ).rejects.toThrow(/Permission Error/);
    } finally {
      engine.close();
      await done();
    }
  });
});

describe('file and network access from SQL on S3 storage', () => {
  let s3: S3TestServer;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    s3 = await startS3Server({ bucket: 'access-lake' });
    ({ dir, cleanup } = await tempDir('lakebox-access-'));
  });
  afterAll(async () => {
    await s3.stop();
    await cleanup();
  });

  it('reads the tables through the read cache with access off', async () => {
    const lake = await Lake.init(dir, await teamLakeOptions(s3, 'lake'), { env: TEAM_LAKE_ENV });
    try {
      await fillLake(lake);
      expect((await lake.query(TABLES, { externalAccess: false })).rows()).toEqual([
        { orders: 30, logs: 3, events: 5 },
      ]);
      await expect(lake.query(PASSWD, { externalAccess: false })).rejects.toMatchObject({
        code: 'SQL_ACCESS_DENIED',
      });
    } finally {
      await lake.close();
    }
  });
});
