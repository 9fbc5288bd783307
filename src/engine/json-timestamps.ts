import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier, quoteLiteral } from '../catalog/identifier.js';

/** ISO-8601 date-times with an offset: `Z`, `+00:00`, `+0000` or `+00`, fractions or not. */
const ISO_WITH_OFFSET =
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$';

export interface JsonColumn {
  name: string;
  type: string;
}

/**
 * JSON columns whose every value is an ISO-8601 date-time with an offset, typed
 * TIMESTAMPTZ. DuckDB's JSON reader looks for one strptime format per column: offsets in
 * several styles (`Z` and `+02:00`) leave the column VARCHAR, and `Z` alone is read as a
 * TIMESTAMP without its zone. Casting the text itself reads every style; a reader given
 * these columns (`columns = {...}`) does that cast.
 *
 * `read(columns)` is the `read_json(...)` call with the given columns struct.
 */
export async function withOffsetTimestamps(
  connection: DuckDBConnection,
  read: (columns: string) => string,
  columns: JsonColumn[],
  limit?: number,
): Promise<JsonColumn[]> {
  const candidates = columns.filter((c) => c.type === 'VARCHAR' || c.type === 'TIMESTAMP');
  if (candidates.length === 0) return columns;
  const asText = new Set(candidates.map((c) => c.name));
  const struct = jsonColumnsStruct(
    columns.map((c) => (asText.has(c.name) ? { name: c.name, type: 'VARCHAR' } : c)),
  );
  const checks = candidates.map((c) => {
    const col = quoteIdentifier(c.name);
    return `coalesce(bool_and(regexp_full_match(${col}, ${quoteLiteral(ISO_WITH_OFFSET)}) AND TRY_CAST(${col} AS TIMESTAMPTZ) IS NOT NULL), false)`;
  });
  const rows = limit === undefined ? '' : ` LIMIT ${limit}`;
  const reader = await connection.runAndReadAll(
    `SELECT ${checks.join(', ')} FROM (SELECT * FROM ${read(struct)}${rows})`,
  );
  const result = reader.getRowsJS()[0] ?? [];
  const offset = new Set(candidates.filter((_, i) => result[i] === true).map((c) => c.name));
  return columns.map((c) => (offset.has(c.name) ? { ...c, type: 'TIMESTAMP WITH TIME ZONE' } : c));
}

export function jsonColumnsStruct(columns: JsonColumn[]): string {
  return `{${columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ')}}`;
}
