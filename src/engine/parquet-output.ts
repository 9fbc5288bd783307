import { rm } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { NewDataFile } from '../catalog/catalog-types.js';
import { quoteIdentifier, quoteLiteral } from '../catalog/identifier.js';
import type { ObjectStore } from '../storage/object-store.js';
import { copiedFileKey, dataFileFromCopyStats, type CopyStatsRow } from './copy-stats.js';
import { sqlError } from './duck-engine.js';

export interface ParquetOutput {
  /** Local folder DuckDB writes into when the store is not a local directory; must not exist yet. */
  stagingDir: string;
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
 * comes back with its row count, size, partition values and column statistics) under the
 * table's `data/` prefix. Nothing is committed: files of a failed or uncommitted write are
 * orphans that `vacuum` removes.
 *
 * DuckDB writes into a staging folder, never into the table's: a writer killed mid-file
 * would leave a file that is no Parquet under a final name, which the catalog ignores but
 * every other engine reading the folder trips on. On a local store the folder is the store's
 * own (same filesystem), so each file is renamed into place once complete, not copied;
 * elsewhere the files are uploaded, and an upload is atomic.
 */
export async function writeParquetFiles(
  connection: DuckDBConnection,
  store: ObjectStore,
  select: string,
  output: ParquetOutput,
): Promise<NewDataFile[]> {
  const dataPrefix = `${output.location}/data`;
  const storeFolder = await store.stagingFolder();
  const outDir = storeFolder ?? output.stagingDir;
  try {
    return await copyAndStore(connection, store, select, output, dataPrefix, outDir);
  } finally {
    if (storeFolder) await rm(storeFolder, { recursive: true, force: true });
  }
}

async function copyAndStore(
  connection: DuckDBConnection,
  store: ObjectStore,
  select: string,
  output: ParquetOutput,
  dataPrefix: string,
  outDir: string,
): Promise<NewDataFile[]> {
  const options = [
    'FORMAT parquet',
    'COMPRESSION zstd',
    "FILENAME_PATTERN 'part-{uuid}'",
    'RETURN_STATS true',
    'APPEND true',
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
      `COPY (${ordered}) TO ${quoteLiteral(outDir)} (${options.join(', ')})`,
    );
    stats = reader.getRowObjectsJson() as unknown as CopyStatsRow[];
  } catch (error) {
    throw sqlError(error, `Writing ${output.tableName} failed`);
  }
  // An empty select still makes one empty file: not a file of the table.
  const written = stats.filter((row) => Number(row.count) > 0);
  const empty = stats.filter((row) => Number(row.count) === 0);
  await Promise.all(empty.map((row) => rm(row.filename, { force: true })));
  const keys = written.map((row) => copiedFileKey(dataPrefix, outDir, row.filename));
  // Announced by the commit that adds them (NewDataFile.created), not on upload.
  await (store.withoutEvents?.() ?? store).putFiles(
    written.map((row, i) => ({ key: keys[i]!, localPath: row.filename })),
  );
  return written.map((row, i) => dataFileFromCopyStats(row, keys[i]!));
}
