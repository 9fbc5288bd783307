import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempLake } from '../support/temp-lake.js';
import { drop, dropParquet } from './crawl-fixture.js';

describe('crawlers with PostgreSQL metadata', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const url = await createTestDatabase(inject('postgresUrl'));
    ({ lake, dir, cleanup } = await tempLake({ metadata: postgresMetadata(url) }));
  });
  afterEach(() => cleanup());

  it('crawls, re-crawls incrementally, evolves and deprecates', async () => {
    await dropParquet(dir, 'raw/pg/t/dt=2024-01-01/a.parquet', 'select 1 as id');
    await drop(dir, 'raw/pg/c/a.csv', 'a,b\n1,x\n');
    await lake.crawlers.create('pg', { database: 'pg', targets: [{ path: 'raw/pg/' }] });
    expect((await lake.crawlers.run('pg')).metrics).toMatchObject({
      tablesCreated: 2,
      filesRegistered: 2,
    });
    await dropParquet(dir, 'raw/pg/t/dt=2024-01-02/b.parquet', "select 2 as id, 'n' as name");
    const second = await lake.crawlers.run('pg');
    expect(second.metrics).toMatchObject({ filesNew: 1, tablesUpdated: 1, partitionsAdded: 1 });
    expect((await lake.query('select id, name from pg.t order by id')).rows()).toEqual([
      { id: 1, name: null },
      { id: 2, name: 'n' },
    ]);
    const { rm } = await import('node:fs/promises');
    await rm(`${dir}/raw/pg/c`, { recursive: true });
    const third = await lake.crawlers.run('pg');
    expect((await lake.crawlers.summary(third.id))!.tablesDeprecated).toEqual(['pg.c']);
  });
});
