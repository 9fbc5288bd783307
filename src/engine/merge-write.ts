import type { DuckDBConnection } from '@duckdb/node-api';
import type { Column, ColumnStats, DataFile } from '../catalog/catalog-types.js';
import { quoteIdentifier, quoteLiteral } from '../catalog/identifier.js';
import { LakeError } from '../errors/lake-error.js';
import { sqlError } from './duck-engine.js';
import { parquetScan } from './parquet-scan.js';

/**
 * Copy-on-write MERGE by key. The source is staged once in a temp table; the target files
 * that can hold a source key are found first from per-file min/max statistics and then
 * exactly, by reading only the key columns; only those files are rewritten (their rows
 * minus the merged keys, plus the source rows), so the cost follows the changes, not the
 * table.
 */

export const MERGE_SOURCE = 'lakebox_merge_source';
const MERGE_HITS = 'lakebox_merge_hits';
const DELETE_FLAG = '__lakebox_delete';

// String statistics may be truncated by the Parquet writer, so only these are trusted for pruning.
const PRUNABLE_TYPE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|DATE|TIMESTAMP.*|DECIMAL.*|FLOAT|DOUBLE)$/;

export interface MergeCounts {
  inserted: number;
  updated: number;
  deleted: number;
}

/**
 * Stages the source rows (already projected to the table's columns) with their delete flag,
 * refusing NULL or duplicate keys.
 *
 * @throws LakeError INVALID_ARGUMENT for a NULL key, DUPLICATE_MERGE_KEY naming a key.
 */
export async function stageMergeSource(
  connection: DuckDBConnection,
  select: string,
  projection: string,
  keys: Column[],
  deleteWhen: string | undefined,
  tableName: string,
): Promise<void> {
  const flag = deleteWhen ? `COALESCE((${deleteWhen}), false)` : 'false';
  await run(connection, `DROP TABLE IF EXISTS temp.${MERGE_SOURCE}`);
  await run(
    connection,
    `CREATE TEMP TABLE ${MERGE_SOURCE} AS SELECT ${projection}, ${flag} AS ${DELETE_FLAG} FROM (${select})`,
  );
  const keyList = keys.map((k) => quoteIdentifier(k.name)).join(', ');
  const nulls = await rows(
    connection,
    `SELECT count(*) AS n FROM ${MERGE_SOURCE} WHERE ${keys.map((k) => `${quoteIdentifier(k.name)} IS NULL`).join(' OR ')}`,
  );
  if (Number(nulls[0]!['n']) > 0) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The merge source has ${nulls[0]!['n']} row(s) with a NULL key (${keyList}); every row needs a key to merge into ${tableName}.`,
    );
  }
  const duplicates = await rows(
    connection,
    `SELECT ${keyList}, count(*) AS n FROM ${MERGE_SOURCE} GROUP BY ALL HAVING count(*) > 1 LIMIT 1`,
  );
  if (duplicates.length > 0) {
    const key = keys.map((k) => `${k.name}=${String(duplicates[0]![k.name])}`).join(', ');
    throw new LakeError(
      'DUPLICATE_MERGE_KEY',
      `The merge source has ${duplicates[0]!['n']} rows with key ${key}; a merge into ${tableName} needs one row per key (deduplicate the source first).`,
    );
  }
}

/** The files whose key-column statistics overlap the source's key range (unknown stats: kept). */
export async function pruneByKeyStats(
  connection: DuckDBConnection,
  files: DataFile[],
  stats: Map<number, ColumnStats[]>,
  keys: Column[],
): Promise<DataFile[]> {
  const prunable = keys.filter((k) => PRUNABLE_TYPE.test(k.type));
  if (prunable.length === 0 || files.length === 0) return files;
  const bounds = prunable.map(
    (k, i) =>
      `min(${quoteIdentifier(k.name)}) AS lo${i}, max(${quoteIdentifier(k.name)}) AS hi${i}`,
  );
  const values = files.map((file) => {
    const byColumn = new Map((stats.get(file.id) ?? []).map((s) => [s.column.toLowerCase(), s]));
    const cells = prunable.flatMap((k) => {
      const s = byColumn.get(k.name.toLowerCase());
      return [
        s?.min == null ? 'NULL' : quoteLiteral(s.min),
        s?.max == null ? 'NULL' : quoteLiteral(s.max),
      ];
    });
    return `(${file.id}, ${cells.join(', ')})`;
  });
  const names = prunable.flatMap((_, i) => [`fmin${i}`, `fmax${i}`]);
  const overlap = prunable.map((k, i) => {
    const lo = `TRY_CAST(f.fmin${i} AS ${k.type})`;
    const hi = `TRY_CAST(f.fmax${i} AS ${k.type})`;
    return `(${lo} IS NULL OR ${hi} IS NULL OR (${hi} >= s.lo${i} AND ${lo} <= s.hi${i}))`;
  });
  const kept = await rows(
    connection,
    `SELECT f.file_id FROM (VALUES ${values.join(', ')}) f(file_id, ${names.join(', ')}),
       (SELECT ${bounds.join(', ')} FROM ${MERGE_SOURCE}) s
     WHERE ${overlap.join(' AND ')}`,
  );
  const ids = new Set(kept.map((r) => Number(r['file_id'])));
  return files.filter((f) => ids.has(f.id));
}

/**
 * Reads only the key columns of the candidate files to find the ones that really hold a
 * source key, and counts inserts, updates and deletes.
 */
export async function matchTargetFiles(
  connection: DuckDBConnection,
  candidates: Array<DataFile & { localPath: string }>,
  keys: Column[],
): Promise<{ matched: Array<DataFile & { localPath: string }>; counts: MergeCounts }> {
  const on = keys
    .map((k) => `t.${quoteIdentifier(k.name)} = s.${quoteIdentifier(k.name)}`)
    .join(' AND ');
  const keyList = keys.map((k) => quoteIdentifier(k.name)).join(', ');
  await run(connection, `DROP TABLE IF EXISTS temp.${MERGE_HITS}`);
  if (candidates.length === 0) {
    await run(
      connection,
      `CREATE TEMP TABLE ${MERGE_HITS} AS SELECT ${keyList}, '' AS path FROM ${MERGE_SOURCE} WHERE false`,
    );
  } else {
    const list = `[${candidates.map((f) => quoteLiteral(f.localPath)).join(', ')}]`;
    await run(
      connection,
      `CREATE TEMP TABLE ${MERGE_HITS} AS
         SELECT ${keys.map((k) => `t.${quoteIdentifier(k.name)}`).join(', ')}, t.filename AS path
         FROM read_parquet(${list}, filename = true, union_by_name = true) t SEMI JOIN ${MERGE_SOURCE} s ON ${on}`,
    );
  }
  const paths = new Set(
    (await rows(connection, `SELECT DISTINCT path FROM ${MERGE_HITS}`)).map((r) =>
      String(r['path']),
    ),
  );
  const [counts] = await rows(
    connection,
    `SELECT count(*) FILTER (WHERE NOT s.${DELETE_FLAG} AND h.matched IS NULL) AS inserted,
            count(*) FILTER (WHERE NOT s.${DELETE_FLAG} AND h.matched) AS updated,
            count(*) FILTER (WHERE s.${DELETE_FLAG} AND h.matched) AS deleted
     FROM ${MERGE_SOURCE} s LEFT JOIN (SELECT DISTINCT ${keyList}, true AS matched FROM ${MERGE_HITS}) h USING (${keyList})`,
  );
  return {
    matched: candidates.filter((f) => paths.has(f.localPath)),
    counts: {
      inserted: Number(counts!['inserted']),
      updated: Number(counts!['updated']),
      deleted: Number(counts!['deleted']),
    },
  };
}

/** The rows of the rewritten files: their rows minus the merged keys, plus the kept source rows. */
export function mergedSelect(
  columns: Column[],
  keys: Column[],
  matched: Array<{ localPath: string }>,
): string {
  const list = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const fromSource = `SELECT ${list} FROM ${MERGE_SOURCE} WHERE NOT ${DELETE_FLAG}`;
  if (matched.length === 0) return fromSource;
  const on = keys
    .map((k) => `t.${quoteIdentifier(k.name)} = s.${quoteIdentifier(k.name)}`)
    .join(' AND ');
  const files = parquetScan(
    columns,
    matched.map((f) => f.localPath),
    { evolved: true },
  );
  const kept = `SELECT ${columns.map((c) => `t.${quoteIdentifier(c.name)}`).join(', ')} FROM ${files} t ANTI JOIN ${MERGE_SOURCE} s ON ${on}`;
  return `${kept} UNION ALL ${fromSource}`;
}

export async function dropMergeTables(connection: DuckDBConnection): Promise<void> {
  await run(connection, `DROP TABLE IF EXISTS temp.${MERGE_SOURCE}`);
  await run(connection, `DROP TABLE IF EXISTS temp.${MERGE_HITS}`);
}

async function run(connection: DuckDBConnection, sql: string): Promise<void> {
  try {
    await connection.run(sql);
  } catch (error) {
    throw sqlError(error);
  }
}

async function rows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } catch (error) {
    throw sqlError(error);
  }
}
