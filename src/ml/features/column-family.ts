/**
 * What a column of a given DuckDB type can become as a feature. A Record over the families,
 * so a family added here must be given its handling everywhere it is used.
 */
export type ColumnFamily = 'number' | 'boolean' | 'text' | 'date' | 'timestamp' | 'other';

/** Parts a date or timestamp is expanded into, each a numeric feature. */
export const TIME_PARTS: Record<'date' | 'timestamp', readonly string[]> = {
  date: ['year', 'month', 'day', 'weekday'],
  timestamp: ['year', 'month', 'day', 'weekday', 'hour'],
};

const FAMILIES: Array<[RegExp, ColumnFamily]> = [
  [
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/,
    'number',
  ],
  [/^BOOLEAN$/, 'boolean'],
  [/^(VARCHAR|ENUM.*|UUID)$/, 'text'],
  [/^DATE$/, 'date'],
  [/^TIMESTAMP.*$/, 'timestamp'],
];

export function columnFamily(duckType: string): ColumnFamily {
  for (const [pattern, family] of FAMILIES) if (pattern.test(duckType)) return family;
  return 'other';
}

export function isIntegerType(duckType: string): boolean {
  return /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(
    duckType,
  );
}
