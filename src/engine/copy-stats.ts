import { relative, sep } from 'node:path';
import type { ColumnStats, NewDataFile } from '../catalog/catalog-types.js';

/** One row of `COPY ... (RETURN_STATS true)`, as DuckDB's JSON conversion renders it. */
export interface CopyStatsRow {
  filename: string;
  count: string | number;
  file_size_bytes: string | number;
  column_statistics: Array<{ key: string; value: Array<{ key: string; value: string }> }> | null;
  partition_keys: Array<{ key: string; value: string | null }> | null;
}

/** The key of a file DuckDB wrote under `outDir`, for a table whose data keys begin `dataPrefix/`. */
export function copiedFileKey(dataPrefix: string, outDir: string, filename: string): string {
  return `${dataPrefix}/${relative(outDir, filename).split(sep).join('/')}`;
}

/** A written file's record count, size, partition values and per-column statistics. */
export function dataFileFromCopyStats(row: CopyStatsRow, path: string): NewDataFile {
  const partitionValues: Record<string, string | null> = {};
  for (const { key, value } of row.partition_keys ?? []) partitionValues[key] = value;
  return {
    path,
    format: 'parquet',
    created: true,
    recordCount: Number(row.count),
    fileSize: Number(row.file_size_bytes),
    partitionValues,
    columnStats: (row.column_statistics ?? []).flatMap(({ key, value }) => {
      const column = unquote(key);
      if (column === undefined) return []; // a nested field; the catalog keeps top-level columns
      const stats = Object.fromEntries(value.map((entry) => [entry.key, entry.value]));
      const result: ColumnStats = {
        column,
        valueCount: stats['num_values'] === undefined ? null : Number(stats['num_values']),
        nullCount: stats['null_count'] === undefined ? null : Number(stats['null_count']),
        min: stats['min'] ?? null,
        max: stats['max'] ?? null,
      };
      return [result];
    }),
  };
}

/** `"a ""b"""` → `a "b"`; undefined for a dotted path of several identifiers. */
function unquote(key: string): string | undefined {
  const match = /^"((?:[^"]|"")*)"$/.exec(key);
  return match ? match[1]!.replace(/""/g, '"') : /^[^".]+$/.test(key) ? key : undefined;
}
