import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';
import { drop, dropZstd } from './crawl-fixture.js';

/** Files of the kinds users report against Glue crawlers and DuckDB's sniffer, one class each. */
describe('crawler inference: what the files hold is what the table reads', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
  });
  afterEach(() => cleanup());

  async function crawl(database: string, path: string) {
    const run = await lake.crawlers.crawl({ database, targets: [{ path }] });
    return { run, summary: (await lake.crawlers.summary(run.id))! };
  }

  it('skips a ragged CSV, counted and with its line, and registers no table for it', async () => {
    await drop(dir, 'raw/rg/r/r.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n');
    const rows = Array.from({ length: 1100 }, (_, i) => `${i},n${i},${i}.5`);
    await drop(
      dir,
      'raw/rg/late/l.csv',
      ['id,name,amount', ...rows, '1,a,2,extra', '2,b', ''].join('\n'),
    );
    await drop(dir, 'raw/rg/ok/o.csv', 'a,b\n1,x\n');
    const { run, summary } = await crawl('rg', 'raw/rg/');
    expect(run.status).toBe('succeeded_with_errors');
    expect(run.metrics).toMatchObject({ filesSkipped: 2 });
    const reasons = Object.fromEntries(summary.skipped.map((s) => [s.key, s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['raw/rg/late/l.csv', 'raw/rg/r/r.csv']);
    expect(reasons['raw/rg/r/r.csv']).toMatch(/ragged.*line 3/);
    expect(reasons['raw/rg/late/l.csv']).toMatch(/ragged.*line 1102/);
    expect(await lake.services.catalog.findTable('rg.r')).toBeUndefined();
    expect(await lake.services.catalog.findTable('rg.late')).toBeUndefined();
    expect((await lake.query('select * from rg.ok')).rows()).toEqual([{ a: 1, b: 'x' }]);
  });

  it('checks every file, not only the sampled ones: an unsampled ragged file is skipped, an unsampled odd value widens', async () => {
    // 20 files with one header: 8 are sampled (the first, the last, evenly between), so
    // parts 1 and 2 are among the ones that share the sample's result.
    const good = (n: number) => `id,code\n${n},${n * 10}\n${n + 100},${n * 10 + 1}\n`;
    for (let n = 0; n < 20; n++)
      await drop(dir, `raw/us/ev/part-${String(n).padStart(2, '0')}.csv`, good(n));
    await drop(dir, 'raw/us/ev/part-01.csv', 'id,code\n1,10\n2,20,extra\n');
    await drop(dir, 'raw/us/ev/part-02.csv', 'id,code\n2,20\n3,B-7\n');
    const { run, summary } = await crawl('us', 'raw/us/');
    expect(run.status).toBe('succeeded_with_errors');
    expect(summary.skipped.map((s) => [s.key, s.reason])).toEqual([
      ['raw/us/ev/part-01.csv', expect.stringMatching(/ragged.*line 3/)],
    ]);
    const { schema } = await lake.describeTable('us.ev');
    expect(schema.columns.find((c) => c.name === 'code')?.type).toBe('VARCHAR');
    expect((await lake.query('select count(*) as n from us.ev')).rows()).toEqual([{ n: 38 }]);
    expect((await lake.query("select id from us.ev where code = 'B-7'")).rows()).toEqual([
      { id: 3 },
    ]);
  });

  it('reads every JSON file whole: an unsampled broken file is skipped, a value past the sampled records widens', async () => {
    for (let n = 0; n < 20; n++)
      await drop(
        dir,
        `raw/uj/ev/part-${String(n).padStart(2, '0')}.json`,
        `{"id": ${n}, "n": ${n}}\n`,
      );
    await drop(dir, 'raw/uj/ev/part-01.json', '{"id": 1, "n": 1}\n{"id": 2, "n": \n');
    await drop(
      dir,
      'raw/uj/ev/part-00.json',
      '{"id": 0, "n": 0}\n{"id": 1, "n": 1}\n{"id": 2, "n": "many"}\n',
    );
    const run = await lake.crawlers.crawl({
      database: 'uj',
      targets: [{ path: 'raw/uj/' }],
      sampleRows: 2,
    });
    const summary = (await lake.crawlers.summary(run.id))!;
    expect(summary.skipped.map((s) => [s.key, s.reason])).toEqual([
      ['raw/uj/ev/part-01.json', expect.stringMatching(/unreadable JSON/)],
    ]);
    const { schema } = await lake.describeTable('uj.ev');
    // Numbers and text in one field: DuckDB's JSON type holds both.
    expect(schema.columns.find((c) => c.name === 'n')?.type).toBe('JSON');
    expect((await lake.query('select count(*) as n from uj.ev')).rows()).toEqual([{ n: 21 }]);
  });

  it('reads RFC 4180 quoting: doubled quotes and line breaks inside quoted fields', async () => {
    // A line break in a quoted field of the first rows is what DuckDB's parallel reader refuses.
    await drop(
      dir,
      'raw/q/notes/n.csv',
      'id,note,amount\n1,"line one\nline two",3.5\n2,"He said ""hi""",2.5\n3,"a, b",4\n',
    );
    await drop(dir, 'raw/q/crlf/c.csv', 'id,note\r\n1,"x\r\ny"\r\n2,"""q"""\r\n');
    const { summary } = await crawl('q', 'raw/q/');
    expect(summary.skipped).toEqual([]);
    expect((await lake.query('select id, note from q.notes order by id')).rows()).toEqual([
      { id: 1, note: 'line one\nline two' },
      { id: 2, note: 'He said "hi"' },
      { id: 3, note: 'a, b' },
    ]);
    expect((await lake.query('select id, note from q.crlf order by id')).rows()).toEqual([
      { id: 1, note: 'x\r\ny' },
      { id: 2, note: '"q"' },
    ]);
  });

  it('widens a column whose value past the sampled rows does not fit, and re-crawls nothing', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => `${i + 1},${i}`);
    await drop(dir, 'raw/wd/codes/c.csv', ['id,code', ...rows, '30001,A-17', ''].join('\n'));
    await crawl('wd', 'raw/wd/');
    const { schema } = await lake.describeTable('wd.codes');
    expect(schema.columns.find((c) => c.name === 'code')?.type).toBe('VARCHAR');
    expect((await lake.query("select id from wd.codes where code = 'A-17'")).rows()).toEqual([
      { id: 30_001 },
    ]);
    const again = await crawl('wd', 'raw/wd/');
    expect(again.summary).toMatchObject({ filesUnchanged: 1, filesNew: 0, filesChanged: 0 });
  });

  it('gives JSON partitions whose keys differ one table with the union of their columns', async () => {
    await drop(dir, 'raw/js/ev/day=2024-01-01/a.json', '{"id": 1, "kind": "a"}\n');
    await drop(dir, 'raw/js/ev/day=2024-01-02/b.json', '{"id": 2, "size": 7}\n');
    await drop(dir, 'raw/js/ev/day=2024-01-03/c.json', '{"id": 3, "kind": "c", "size": 9}\n');
    // Shares only its id with the others: sparse records of one dataset, by the folder layout.
    await drop(dir, 'raw/js/ev/day=2024-01-04/d.json', '{"id": 4, "note": "n", "weight": 1.5}\n');
    const { summary } = await crawl('js', 'raw/js/');
    expect(summary.skipped).toEqual([]);
    expect(summary.tablesCreated).toEqual(['js.ev']);
    const { schema } = await lake.describeTable('js.ev');
    expect(schema.columns.map((c) => c.name).sort()).toEqual([
      'day',
      'id',
      'kind',
      'note',
      'size',
      'weight',
    ]);
    expect((await lake.query('select id, kind, size, note from js.ev order by id')).rows()).toEqual(
      [
        { id: 1, kind: 'a', size: null, note: null },
        { id: 2, kind: null, size: 7, note: null },
        { id: 3, kind: 'c', size: 9, note: null },
        { id: 4, kind: null, size: null, note: 'n' },
      ],
    );
  });

  it('takes types from the files with values when a table mixes gzip, zstd, plain and header-only CSV', async () => {
    await drop(dir, 'raw/mx/t/a.csv', 'id,amount,day\n1,1.5,2024-01-01\n');
    await drop(dir, 'raw/mx/t/b.csv.gz', gzipSync('id,amount,day\n2,2.5,2024-01-02\n'));
    await dropZstd(
      dir,
      'raw/mx/t/c.csv.zst',
      "select 3::bigint as id, 3.5::double as amount, DATE '2024-01-03' as day",
      'csv',
    );
    await drop(dir, 'raw/mx/t/empty-day.csv', 'id,amount,day\n');
    const { summary } = await crawl('mx', 'raw/mx/');
    expect(summary.skipped).toEqual([]);
    const { schema } = await lake.describeTable('mx.t');
    expect(Object.fromEntries(schema.columns.map((c) => [c.name, c.type]))).toEqual({
      id: 'BIGINT',
      amount: 'DECIMAL(18,1)',
      day: 'DATE',
    });
    expect((await lake.query('select count(*)::int as n from mx.t')).rows()).toEqual([{ n: 3 }]);
  });

  it('types ISO-8601 timestamps with offsets in every style as TIMESTAMPTZ', async () => {
    await drop(
      dir,
      'raw/tz/seen/s.csv',
      'id,seen\n1,2024-01-01T10:00:00Z\n2,2024-01-01T10:00:00+00:00\n3,2024-01-01T10:00:00.123Z\n4,2024-01-01T12:00:00.5+02:00\n',
    );
    await crawl('tz', 'raw/tz/');
    const { schema } = await lake.describeTable('tz.seen');
    expect(schema.columns.find((c) => c.name === 'seen')?.type).toBe('TIMESTAMP WITH TIME ZONE');
    const rows = (await lake.query('select epoch_ms(seen) as ms from tz.seen order by id')).rows();
    const base = Date.UTC(2024, 0, 1, 10);
    expect(rows.map((r) => Number(r['ms']))).toEqual([base, base, base + 123, base + 500]);
  });

  it('types ISO-8601 offset timestamps in JSON as TIMESTAMPTZ, also when styles differ', async () => {
    await drop(
      dir,
      'raw/tj/seen/a.json',
      '{"id":1,"seen":"2024-01-01T10:00:00Z"}\n{"id":2,"seen":"2024-01-01T12:00:00.5+02:00"}\n{"id":3,"seen":"2024-01-01T10:00:00+00:00"}\n',
    );
    await crawl('tj', 'raw/tj/');
    const { schema } = await lake.describeTable('tj.seen');
    expect(schema.columns.find((c) => c.name === 'seen')?.type).toBe('TIMESTAMP WITH TIME ZONE');
    const rows = (await lake.query('select epoch_ms(seen) as ms from tj.seen order by id')).rows();
    const base = Date.UTC(2024, 0, 1, 10);
    expect(rows.map((r) => Number(r['ms']))).toEqual([base, base + 500, base]);
  });
});
