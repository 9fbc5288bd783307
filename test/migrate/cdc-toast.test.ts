import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';
import { rows, sourceDatabase, until } from './migrate-fixture.js';

const TASK = 'toast';
// Each batch is closed by its change count alone (the timer never fires), so which changes
// share a batch is decided by the test, not by timing.
const BATCH = 10;

describe('CDC of values PostgreSQL stores out of line (TOAST)', () => {
  let lake: Lake;
  let source: Awaited<ReturnType<typeof sourceDatabase>>;
  let cleanupLake: () => Promise<void>;

  const applied = async () =>
    (await lake.migrations.status(TASK)).tables.find((t) => t.sourceTable === 'docs')!
      .changesApplied;

  beforeAll(async () => {
    ({ lake, cleanup: cleanupLake } = await tempLake());
    source = await sourceDatabase();
    // 6,400 hex digits of random md5s: pglz finds no repeats to compress, so every value
    // is stored out of line, and an UPDATE that does not touch it sends it as 'u'.
    await source.client.query(`
      create function random_text() returns text language sql volatile as
        $$ select string_agg(md5(random()::text), '') from generate_series(1, 200) $$;
      create table public.docs (id int primary key, small int, body text, tags text[], raw bytea);
      insert into public.docs select g, 0, random_text(), array[random_text()], decode(random_text(), 'hex') from generate_series(1, 10) g;
    `);
    await lake.sources.create('pg', { engine: 'postgres', ...source.settings });
    await lake.migrations.create(TASK, {
      source: 'pg',
      targetDatabase: 'toast',
      type: 'full-load-and-cdc',
      mappings: { selection: [{ action: 'include', schema: 'public', table: 'docs' }] },
      settings: { batchSeconds: 3600, batchChanges: BATCH },
    });
  });
  afterAll(async () => {
    const stopped = await lake.migrations.stop(TASK).catch(() => null);
    if (stopped) await lake.migrations.wait(stopped.id);
    await lake.migrations.delete(TASK);
    await source.cleanup();
    await cleanupLake();
  });

  it('keeps unchanged values across key changes and several updates in one batch', async () => {
    const toast = await source.client.query<{ toast: string; raw: boolean }>(
      `select (select reltoastrelid::regclass::text from pg_class where relname = 'docs') as toast,
              bool_and(pg_column_size(body) >= length(body)) as raw from public.docs`,
    );
    const chunks = await source.client.query<{ n: string }>(
      `select count(*)::text as n from ${toast.rows[0]!.toast}`,
    );
    // The premise: the values are out of line and uncompressed.
    expect(toast.rows[0]!.raw).toBe(true);
    expect(Number(chunks.rows[0]!.n)).toBeGreaterThan(10);

    await lake.migrations.start(TASK);
    await until('the full load', async () =>
      (await lake.migrations.status(TASK)).tables.some((t) => t.state === 'replicating'),
    );
    // One batch of exactly BATCH changes.
    await source.client.query('update public.docs set small = 1 where id = 1'); // 1
    await source.client.query(`begin;
      update public.docs set small = 2 where id = 2;
      update public.docs set id = 2000 where id = 2;
      commit`); // U, then D + U for the new key: 3
    await source.client.query('update public.docs set id = 3000 where id = 3'); // 2
    await source.client.query('update public.docs set small = 3 where id = 4'); // 1
    await source.client.query('update public.docs set small = 4 where id = 4'); // 1
    await source.client.query(
      `insert into public.docs values (11, 0, random_text(), '{}', decode(random_text(), 'hex'))`,
    ); // 1
    await source.client.query('update public.docs set small = 5 where id = 11'); // 1
    await until('the first batch', async () => (await applied()) >= BATCH);
    // A second batch whose first change of each row needs the lake's current row.
    await source.client.query(
      'update public.docs set small = small + 10 where id in (1, 2000, 3000, 4, 5, 6, 7, 8, 9, 11)',
    );
    await until('the second batch', async () => (await applied()) >= 2 * BATCH);

    const expected = await source.client.query<{
      id: number;
      small: number;
      body: string;
      tags: string;
      raw: string;
    }>(
      `select id, small, md5(body) as body, md5(array_to_string(tags, '')) as tags, md5(encode(raw, 'hex')) as raw from public.docs order by id`,
    );
    const lakeRows = await rows(
      lake,
      "select id, small, md5(body) as body, md5(array_to_string(tags, '')) as tags, md5(lower(hex(raw))) as raw from toast.docs order by id",
    );
    expect(lakeRows.map((r) => [r['id'], r['small'], r['body'], r['tags'], r['raw']])).toEqual(
      expected.rows.map((r) => [r.id, r.small, r.body, r.tags, r.raw]),
    );
    const report = await lake.migrations.validate(TASK);
    expect(report.tables.map((t) => [t.sourceTable, t.match])).toEqual([['public.docs', true]]);
  });
});
