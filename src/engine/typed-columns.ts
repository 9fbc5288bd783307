import { DuckDBDoubleVector, type DuckDBConnection } from '@duckdb/node-api';
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
        const vector = chunk.getColumnVector(i) as DuckDBDoubleVector;
        parts.push(vector.items.slice(0, chunk.rowCount));
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
