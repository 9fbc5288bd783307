import { quoteIdentifier } from '../../../catalog/identifier.js';

/** A column's type as PostgreSQL's catalog describes it. */
export interface PostgresType {
  /** `format_type(oid, typmod)`, e.g. `numeric(12,2)`, `timestamp with time zone`, `integer[]`. */
  formatted: string;
  /** pg_type.typtype: `b` base, `e` enum, `d` domain, ... */
  typtype: string;
  /** pg_type.typcategory: `A` array, ... */
  category: string;
  /** The element type of an array. */
  element?: PostgresType;
  /** pg_type oid and type modifier, as replication's relation messages identify a type. */
  oid?: number;
  typmod?: number;
}

const SCALARS: Record<string, string> = {
  smallint: 'SMALLINT',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  real: 'FLOAT',
  'double precision': 'DOUBLE',
  boolean: 'BOOLEAN',
  text: 'VARCHAR',
  'character varying': 'VARCHAR',
  character: 'VARCHAR',
  name: 'VARCHAR',
  uuid: 'UUID',
  date: 'DATE',
  'time without time zone': 'TIME',
  'time with time zone': 'TIMETZ',
  'timestamp without time zone': 'TIMESTAMP',
  'timestamp with time zone': 'TIMESTAMPTZ',
  interval: 'INTERVAL',
  json: 'JSON',
  jsonb: 'JSON',
  bytea: 'BLOB',
};

/** An unconstrained `numeric` takes DuckDB's widest exact decimal with room for fractions. */
export const UNCONSTRAINED_NUMERIC = 'DECIMAL(38,9)';

/**
 * The lake (DuckDB) type of a PostgreSQL type; docs/migrate.md lists the mapping. Types it
 * does not know (money, ranges, geometric, ...) keep their exact text as VARCHAR.
 */
export function lakeTypeOf(type: PostgresType): string {
  if (type.category === 'A' && type.element) return `${lakeTypeOf(type.element)}[]`;
  if (type.typtype === 'e') return 'VARCHAR';
  const base = type.formatted.replace(/\(.*?\)/g, '').trim();
  if (base === 'numeric') {
    const match = /^numeric\((\d+)(?:,(\d+))?\)$/.exec(type.formatted);
    if (!match) return UNCONSTRAINED_NUMERIC;
    const precision = Number(match[1]);
    // DuckDB decimals stop at 38 digits; wider ones keep their exact text.
    return precision <= 38 ? `DECIMAL(${precision},${Number(match[2] ?? 0)})` : 'VARCHAR';
  }
  return SCALARS[base] ?? 'VARCHAR';
}

/**
 * The expression COPY selects for a column, so that its CSV text is what DuckDB's cast to the
 * lake type reads: bytea as DuckDB's `\xAB` escapes, arrays as JSON lists. Other types'
 * output (with the session settings of `COPY_SESSION_OPTIONS`) already is.
 */
export function copyExpression(column: string, type: PostgresType): string {
  const ref = quoteIdentifier(column);
  if (type.category === 'A') return `array_to_json(${ref})::text`;
  if (type.formatted === 'bytea')
    return `regexp_replace(encode(${ref}, 'hex'), '(..)', '\\x\\1', 'g')`;
  return ref;
}

/** Output settings of every session that reads rows: ISO dates, UTC, exact floats. */
export const COPY_SESSION_OPTIONS =
  '-c DateStyle=ISO,YMD -c IntervalStyle=postgres -c TimeZone=UTC -c extra_float_digits=3 -c bytea_output=hex';
