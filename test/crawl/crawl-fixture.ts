import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Writes a file into the lake's local storage (as a sync task would drop it). */
export async function drop(dir: string, key: string, content: string | Buffer): Promise<void> {
  const path = join(dir, key);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** Writes a Parquet file with DuckDB, from a SELECT. */
export function dropParquet(dir: string, key: string, select: string): Promise<void> {
  return copyWithDuckDB(join(dir, key), select, 'FORMAT parquet');
}

/** Writes a zstd-compressed CSV or NDJSON file with DuckDB, from a SELECT. */
export function dropZstd(
  dir: string,
  key: string,
  select: string,
  format: 'csv' | 'json',
): Promise<void> {
  const options = format === 'csv' ? 'FORMAT csv, HEADER' : 'FORMAT json';
  return copyWithDuckDB(join(dir, key), select, `${options}, COMPRESSION zstd`);
}

/**
 * A throwaway DuckDB writes the file: the lake's engine only runs SELECTs and table writes,
 * and raw files dropped into a zone are what crawlers are for.
 */
async function copyWithDuckDB(path: string, select: string, options: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (${select}) TO '${path.replace(/'/g, "''")}' (${options})`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
