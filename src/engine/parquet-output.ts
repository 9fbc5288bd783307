import { relative, sep } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { NewDataFile } from '../catalog/catalog-types.js';
import { quoteIdentifier, quoteLiteral } from '../catalog/identifier.js';
import type { ObjectStore } from '../storage/object-store.js';
import { dataFileFromCopyStats, type CopyStatsRow } from './copy-stats.js';
import { sqlError } from './duck-engine.js';

const MOVE_CONCURRENCY = 16;

export interface ParquetOutput {
  /** Local folder DuckDB writes into; must not exist yet. */
  outDir: string;
  /** The table's location in the store; files go under `<location>/data/`. */
  location: string;
  partitionBy: string[];
  sortBy?: string[];
  /** Rough size at which a new file is started (unpartitioned writes only). */
  targetFileSize?: string;
  /** For messages. */
  tableName: string;
}

/**
 * Writes a SELECT as zstd Parquet files with DuckDB (`COPY ... RETURN_STATS`, so each file
 * comes back with its row count, size, partition values and column statistics), then moves
 * each non-empty file into the store under the table's `data/` prefix. Nothing is committed.
 */
export async function writeParquetFiles(
  connection: DuckDBConnection,
  store: ObjectStore,
  select: string,
  output: ParquetOutput,
): Promise<NewDataFile[]> {
  const options = [
    'FORMAT parquet',
    'COMPRESSION zstd',
    "FILENAME_PATTERN 'part-{uuid}'",
    'RETURN_STATS true',
  ];
  if (output.partitionBy.length > 0) {
    // Partition columns stay inside the files (as Iceberg requires) so any engine reads a
    // file alone. DuckDB cannot also split partitioned output by size.
    options.push(
      `PARTITION_BY (${output.partitionBy.map(quoteIdentifier).join(', ')})`,
      'WRITE_PARTITION_COLUMNS true',
    );
  } else {
    options.push(`FILE_SIZE_BYTES ${quoteLiteral(output.targetFileSize ?? '512MB')}`);
  }
  const ordered = output.sortBy?.length
    ? `SELECT * FROM (${select}) ORDER BY ${output.sortBy.map(quoteIdentifier).join(', ')}`
    : select;
  let stats: CopyStatsRow[];
  try {
    const reader = await connection.runAndReadAll(
      `COPY (${ordered}) TO ${quoteLiteral(output.outDir)} (${options.join(', ')})`,
    );
    stats = reader.getRowObjectsJson() as unknown as CopyStatsRow[];
  } catch (error) {
    throw sqlError(error, `Writing ${output.tableName} failed`);
  }
  // Moving a file into the store syncs it to disk; several at a time overlap those waits.
  const written = stats.filter((row) => Number(row.count) > 0);
  const files: NewDataFile[] = new Array(written.length);
  let next = 0;
  const mover = async () => {
    for (let i = next++; i < written.length; i = next++) {
      const row = written[i]!;
      const key = `${output.location}/data/${relative(output.outDir, row.filename).split(sep).join('/')}`;
      await store.putFile(key, row.filename);
      files[i] = dataFileFromCopyStats(row, key);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MOVE_CONCURRENCY, written.length) }, mover));
  return files;
}
