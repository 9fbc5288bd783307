import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';

describe('Lake.streamQuery', () => {
  let lake: Lake;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ lake, cleanup } = await tempLake());
    await lake.writeTable('shop.orders', {
      sql: "select range as id, 'c' || (range % 7) as customer, 18446744073709551615::ubigint as wide from range(10000)",
    });
  });
  afterAll(() => cleanup());

  it('reads the same rows as query, in chunks of at most 2,048, with columns and snapshots', async () => {
    const sql = 'select * from shop.orders order by id';
    const whole = await lake.query(sql);
    const chunks: number[] = [];
    const rows = await lake.streamQuery(sql, {}, async (result) => {
      expect(result.columns).toEqual(whole.columns);
      expect(result.snapshots).toEqual(whole.snapshots);
      const read = [];
      for await (const chunk of result.jsonRows()) {
        chunks.push(chunk.length);
        read.push(...chunk);
      }
      expect(result.rowCount).toBe(10000);
      return read;
    });
    expect(rows).toEqual(whole.jsonRows());
    expect(rows[0]).toEqual({ id: 0, customer: 'c0', wide: '18446744073709551615' });
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(2048);
  });

  it('stops where the consumer stops, and the lake queries on afterwards', async () => {
    const first = await lake.streamQuery(
      'select range as n from range(10000000000)',
      {},
      async (result) => {
        for await (const tuples of result.jsonTuples()) return tuples[0];
        return undefined;
      },
    );
    expect(first).toEqual([0]);
    const after = await lake.query('select count(*) as n from shop.orders');
    expect(after.jsonRows()).toEqual([{ n: 10000 }]);
  });

  it('reports errors as query does: before the stream and from a later chunk', async () => {
    await expect(
      lake.streamQuery('select * from shop.ordrs', {}, async () => 0),
    ).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
    await expect(lake.streamQuery('drop table x', {}, async () => 0)).rejects.toMatchObject({
      code: 'UNSUPPORTED_STATEMENT',
    });
    const failing =
      "select case when range < 5000 then range else error('boom') end as v from range(10000)";
    await expect(
      lake.streamQuery(failing, {}, async (result) => {
        for await (const rows of result.jsonTuples()) void rows;
      }),
    ).rejects.toMatchObject({ code: 'SQL_ERROR' });
  });

  it('keeps file access off when the query asks for it', async () => {
    const passwd = "select * from read_csv('/etc/passwd', header = false, sep = ':')";
    await expect(
      lake.streamQuery(passwd, { externalAccess: false }, async () => 0),
    ).rejects.toMatchObject({ code: 'SQL_ACCESS_DENIED' });
  });
});
