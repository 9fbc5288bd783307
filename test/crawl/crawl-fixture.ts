import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Lake } from '../../src/lake.js';

/** Writes a file into the lake's local storage (as a sync task would drop it). */
export async function drop(dir: string, key: string, content: string | Buffer): Promise<void> {
  const path = join(dir, key);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** Writes a Parquet file with DuckDB, from a SELECT. */
export async function dropParquet(
  lake: Lake,
  dir: string,
  key: string,
  select: string,
): Promise<void> {
  const path = join(dir, key);
  await mkdir(dirname(path), { recursive: true });
  // A throwaway table write would go through the catalog; COPY through the query engine cannot
  // (queries are SELECT-only), so use the probe's own engine via a writeTable-free path.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`COPY (${select}) TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
  void lake;
}

/** Writes a zstd-compressed CSV or NDJSON file with DuckDB, from a SELECT. */
export async function dropZstd(
  dir: string,
  key: string,
  select: string,
  format: 'csv' | 'json',
): Promise<void> {
  const path = join(dir, key);
  await mkdir(dirname(path), { recursive: true });
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const options =
    format === 'csv' ? 'FORMAT csv, HEADER, COMPRESSION zstd' : 'FORMAT json, COMPRESSION zstd';
  await connection.run(`COPY (${select}) TO '${path.replace(/'/g, "''")}' (${options})`);
  connection.closeSync();
  instance.closeSync();
}
