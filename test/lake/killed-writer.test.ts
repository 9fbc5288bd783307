import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { spawnScript } from '../support/spawn-node.js';
import { tempLake } from '../support/temp-lake.js';

/** Every `.parquet` file under `dir`, at any depth. */
async function parquetFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((e) => e.endsWith('.parquet')).map((e) => join(dir, e));
}

describe('a table writer SIGKILLed mid-file', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
  });
  afterEach(() => cleanup());

  it('leaves no file that is not complete Parquet under the table folder', async () => {
    await lake.writeTable('shop.big', {
      sql: 'select range as id, md5(range::varchar) as h from range(1000)',
    });
    const data = join(dir, (await lake.services.catalog.getTable('shop.big')).location, 'data');
    const committed = new Set(await parquetFiles(data));
    expect(committed.size).toBe(1);

    const child = spawnScript('fixtures/big-table-write.ts', [dir, 'shop.big', '40000000']);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Wait for the killed writer's file to exist, wherever the writer puts it while writing.
    for (;;) {
      const all = [...(await parquetFiles(dir))].filter((f) => !committed.has(f));
      if (all.length > 0 && (await stat(all[0]!)).size > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGKILL');
    await exited;

    // Another engine reading the whole folder: every file under a final name must be Parquet.
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const reader = await duck.runAndReadAll(
        `select count(*)::integer as n from read_parquet('${data}/**/*.parquet')`,
      );
      expect(Number(reader.getRowsJS()[0]![0])).toBeGreaterThanOrEqual(1000);
    } finally {
      duck.closeSync();
    }
    expect((await lake.query('select count(*) as n from shop.big')).rows()).toEqual([{ n: 1000 }]);
  });
});
