import type { DuckDBConnection, DuckDBDoubleVector } from '@duckdb/node-api';
import { quoteIdentifier } from '../catalog/identifier.js';
import { sqlError } from './duck-engine.js';

/** How a column of a SELECT is read: `double` (NULL as NaN) or `int32` codes (NULL as -1). */
export type TypedColumnKind = 'double' | 'int32';

export type TypedColumn = Float64Array | Int32Array;

/**
 * Reads columns of a SELECT straight into typed arrays, chunk by chunk from DuckDB's
 * vectors, never through row objects: the column is cast to DOUBLE in SQL and each chunk's
 * buffer copied. Rows come in the SELECT's order (DuckDB preserves insertion order).
 */
export async function readTypedColumns(
  connection: DuckDBConnection,
  select: string,
  columns: ReadonlyArray<{ name: string; kind: TypedColumnKind }>,
): Promise<{ rows: number; columns: TypedColumn[] }> {
  const list = columns
    .map(({ name, kind }) => {
      const cast = `CAST(${quoteIdentifier(name)} AS DOUBLE)`;
      return kind === 'double' ? `coalesce(${cast}, 'NaN'::DOUBLE)` : `coalesce(${cast}, -1)`;
    })
    .join(', ');
  const chunks: Float64Array[][] = [];
  let rows = 0;
  try {
    const result = await connection.stream(
      `SELECT ${list || '0'} FROM (${select}) AS lakebox_typed`,
    );
    for (let chunk = await result.fetchChunk(); chunk; chunk = await result.fetchChunk()) {
      if (chunk.rowCount === 0) break;
      const parts: Float64Array[] = [];
      for (let i = 0; i < columns.length; i++) {
        parts.push(doubles(chunk.getColumnVector(i) as DuckDBDoubleVector, chunk.rowCount));
      }
      if (columns.length === 0) parts.push(new Float64Array(chunk.rowCount));
      chunks.push(parts);
      rows += chunk.rowCount;
    }
  } catch (error) {
    throw sqlError(error);
  }
  return {
    rows,
    columns: columns.map(({ kind }, i) => {
      const out = kind === 'double' ? new Float64Array(rows) : new Int32Array(rows);
      let offset = 0;
      for (const parts of chunks) {
        out.set(parts[i]!, offset);
        offset += parts[i]!.length;
      }
      return out;
    }),
  };
}

/**
 * A DOUBLE vector's values. node-api keeps the vector's buffer as a Float64Array in a field
 * it declares private; it is copied directly when present (one memcpy a chunk), and read
 * item by item otherwise, so an upgrade that renames it costs speed, not correctness.
 */
function doubles(vector: DuckDBDoubleVector, rows: number): Float64Array {
  const items = (vector as unknown as { items?: unknown }).items;
  if (items instanceof Float64Array && items.length >= rows) return items.slice(0, rows);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = vector.getItem(i) ?? Number.NaN;
  return out;
}
