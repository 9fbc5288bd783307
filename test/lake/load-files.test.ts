import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLakeError, type LakeError } from '../../src/errors/lake-error.js';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

/** Every file under a folder, recursively (a table's data folder). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function loadError(lake: Lake, table: string, files: string[]): Promise<LakeError> {
  const error = await lake.writeTable(table, { files }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isLakeError(error)) throw new Error(`expected a LakeError, got ${String(error)}`);
  return error;
}

function goodRows(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${i + 1},name${i + 1},${i + 1}.25`);
}

describe('loading files: every row loaded correctly, or a refusal that says where', () => {
  let lake: Lake;
  let dir: string;
  let files: string;
  let cleanup: Array<() => Promise<void>>;

  beforeEach(async () => {
    const made = await tempLake();
    const scratch = await tempDir();
    lake = made.lake;
    dir = made.dir;
    files = scratch.dir;
    cleanup = [made.cleanup, scratch.cleanup];
  });
  afterEach(async () => {
    for (const fn of cleanup) await fn();
  });

  it('refuses a tiny ragged CSV with the line and the problem, instead of losing its header', async () => {
    const path = join(files, 'r.csv');
    await writeFile(path, 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n');
    const error = await loadError(lake, 'bad.ragged', [path]);
    expect(error.code).toBe('MALFORMED_FILE');
    expect(error.message).toContain('r.csv');
    expect(error.message).toMatch(/line 3\b/);
    expect(error.message).toMatch(/3 fields.*found 2|expected 3.*2/i);
    expect(error.details).toMatchObject({ line: 3 });
    expect(await lake.services.catalog.findTable('bad.ragged')).toBeUndefined();
  });

  it('refuses 1,100 good rows followed by a long and a short row, rather than one VARCHAR column', async () => {
    const path = join(files, 'r2.csv');
    await writeFile(
      path,
      ['id,name,amount', ...goodRows(1100), '1,a,2,extra', '2,b', ''].join('\n'),
    );
    const error = await loadError(lake, 'bad.r2', [path]);
    expect(error.code).toBe('MALFORMED_FILE');
    expect(error.message).toMatch(/line 1102\b/);
    expect(error.message).toContain('1,a,2,extra');
    expect(await lake.services.catalog.findTable('bad.r2')).toBeUndefined();
  });

  it('sets bad rows aside in <database>.load_rejects when asked, and counts them', async () => {
    const path = join(files, 'r2.csv');
    await writeFile(
      path,
      ['id,name,amount', ...goodRows(1100), '1,a,2,extra', '2,b', ''].join('\n'),
    );
    const result = await lake.writeTable('sales.r2', { files: [path] }, { rejects: true });
    expect(result.rowsWritten).toBe(1100);
    expect(result.rowsRejected).toBe(2);
    expect(result.rejectsTable).toBe('sales.load_rejects');
    const { schema } = await lake.describeTable('sales.r2');
    expect(schema.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'BIGINT'],
      ['name', 'VARCHAR'],
      ['amount', 'DOUBLE'],
    ]);
    const rejects = (
      await lake.query(
        'select target_table, file, line, reason, csv_line from sales.load_rejects order by line',
      )
    ).rows();
    expect(rejects).toEqual([
      expect.objectContaining({
        target_table: 'sales.r2',
        file: path,
        line: 1102,
        csv_line: '1,a,2,extra',
      }),
      expect.objectContaining({ target_table: 'sales.r2', line: 1103, csv_line: '2,b' }),
    ]);
    expect(String(rejects[0]!['reason'])).toMatch(/3.*4/);
  });

  it('leaves the catalog and the table folder as they were when a first load fails late in the file', async () => {
    const path = join(files, 'late.csv');
    await writeFile(path, ['id,name,amount', ...goodRows(30_000), '30001,late', ''].join('\n'));
    const error = await loadError(lake, 'late.t', [path]);
    expect(error.code).toBe('MALFORMED_FILE');
    expect(error.message).toMatch(/line 30002\b/);
    expect(await lake.services.catalog.findTable('late.t')).toBeUndefined();
    expect(await lake.services.catalog.findDatabase('late')).toBeUndefined();
    expect(await filesUnder(join(dir, 'processed', 'late'))).toEqual([]);
  });

  it('leaves no file behind when a write into an existing table fails', async () => {
    await lake.writeTable('sales.typed', [{ id: 1, amount: 1.5 }]);
    const before = await filesUnder(join(dir, 'processed', 'sales', 'typed'));
    const path = join(files, 'typed.csv');
    await writeFile(
      path,
      ['id,amount', ...goodRows(30_000).map((r) => r.split(',')[0] + ',2.5'), '7', ''].join('\n'),
    );
    const error = await loadError(lake, 'sales.typed', [path]);
    expect(error.code).toBe('MALFORMED_FILE');
    expect(await filesUnder(join(dir, 'processed', 'sales', 'typed'))).toEqual(before);
    expect((await lake.describeTable('sales.typed')).snapshot?.recordCount).toBe(1);
  });

  it('widens a column whose later values do not fit the sampled type, and loads every row', async () => {
    const path = join(files, 'widen.csv');
    const rows = Array.from({ length: 30_000 }, (_, i) => `${i + 1},${i}`);
    await writeFile(path, ['id,code', ...rows, '30001,A-17', ''].join('\n'));
    const result = await lake.writeTable('w.codes', { files: [path] });
    expect(result.rowsWritten).toBe(30_001);
    const { schema } = await lake.describeTable('w.codes');
    expect(schema.columns.find((c) => c.name === 'code')?.type).toBe('VARCHAR');
    expect((await lake.query("select id from w.codes where code = 'A-17'")).rows()).toEqual([
      { id: 30_001 },
    ]);
  });

  it('reads RFC 4180 quoting: doubled quotes and line breaks inside quoted fields', async () => {
    // A line break in a quoted field of the first rows is what DuckDB's parallel reader refuses.
    const path = join(files, 'quoted.csv');
    await writeFile(
      path,
      'id,note,amount\n1,"line one\nline two",3.5\n2,"He said ""hi""",2.5\n3,"a, b",4\n',
    );
    const crlf = join(files, 'crlf.csv');
    await writeFile(crlf, 'id,note,amount\r\n4,"x\r\ny",1\r\n');
    await lake.writeTable('q.notes', { files: [path, crlf] });
    expect((await lake.query('select id, note from q.notes order by id')).rows()).toEqual([
      { id: 1, note: 'line one\nline two' },
      { id: 2, note: 'He said "hi"' },
      { id: 3, note: 'a, b' },
      { id: 4, note: 'x\r\ny' },
    ]);
  });

  it('types ISO-8601 timestamps with offsets in every style as TIMESTAMPTZ', async () => {
    const path = join(files, 'tz.csv');
    await writeFile(
      path,
      'id,seen\n1,2024-01-01T10:00:00Z\n2,2024-01-01T10:00:00+00:00\n3,2024-01-01T10:00:00.123Z\n4,2024-01-01T12:00:00.5+02:00\n',
    );
    await lake.writeTable('tz.events', { files: [path] });
    const { schema } = await lake.describeTable('tz.events');
    expect(schema.columns.find((c) => c.name === 'seen')?.type).toBe('TIMESTAMP WITH TIME ZONE');
    const rows = (
      await lake.query('select epoch_ms(seen) as ms from tz.events order by id')
    ).rows();
    const base = Date.UTC(2024, 0, 1, 10);
    expect(rows.map((r) => Number(r['ms']))).toEqual([base, base, base + 123, base + 500]);
  });

  it('types ISO-8601 offset timestamps in JSON as TIMESTAMPTZ, also when styles differ', async () => {
    const mixed = join(files, 'mixed.ndjson');
    await writeFile(
      mixed,
      '{"id":1,"seen":"2024-01-01T10:00:00Z"}\n{"id":2,"seen":"2024-01-01T12:00:00.5+02:00"}\n{"id":3,"seen":"2024-01-01T10:00:00+00:00"}\n',
    );
    const zulu = join(files, 'zulu.ndjson');
    await writeFile(zulu, '{"id":4,"seen":"2024-01-01T10:00:00.123Z"}\n');
    await lake.writeTable('tz.mixed', { files: [mixed] });
    await lake.writeTable('tz.zulu', { files: [zulu] });
    for (const table of ['tz.mixed', 'tz.zulu']) {
      const { schema } = await lake.describeTable(table);
      expect(schema.columns.find((c) => c.name === 'seen')?.type).toBe('TIMESTAMP WITH TIME ZONE');
    }
    const base = Date.UTC(2024, 0, 1, 10);
    const ms = async (table: string) =>
      (await lake.query(`select epoch_ms(seen) as ms from ${table} order by id`))
        .rows()
        .map((r) => Number(r['ms']));
    expect(await ms('tz.mixed')).toEqual([base, base + 500, base]);
    expect(await ms('tz.zulu')).toEqual([base + 123]);
  });
});
