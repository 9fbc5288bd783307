import type { Column } from '../catalog/catalog-types.js';
import { LakeError } from '../errors/lake-error.js';

// Casts that never lose a value: an output column of the key type may fill a target column
// of any type listed. Everything else is a type change and refused (as data, not branches).
const WIDENINGS: Record<string, readonly string[]> = {
  TINYINT: ['SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'FLOAT', 'DOUBLE'],
  SMALLINT: ['INTEGER', 'BIGINT', 'HUGEINT', 'FLOAT', 'DOUBLE'],
  INTEGER: ['BIGINT', 'HUGEINT', 'DOUBLE'],
  BIGINT: ['HUGEINT'],
  UTINYINT: ['USMALLINT', 'UINTEGER', 'UBIGINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT'],
  USMALLINT: ['UINTEGER', 'UBIGINT', 'INTEGER', 'BIGINT', 'HUGEINT'],
  UINTEGER: ['UBIGINT', 'BIGINT', 'HUGEINT'],
  FLOAT: ['DOUBLE'],
  DATE: ['TIMESTAMP', 'TIMESTAMP WITH TIME ZONE'],
  TIMESTAMP_S: ['TIMESTAMP'],
  TIMESTAMP_MS: ['TIMESTAMP'],
  // A column that is NULL in every row (or a bare NULL literal) has no type of its own.
  NULL: [],
};

/**
 * Refuses output columns whose type differs from the target column's, unless the cast is a
 * lossless widening (the engine's writer would otherwise cast, and fail or truncate later).
 *
 * @throws LakeError SCHEMA_MISMATCH naming the column and both types.
 */
export function checkColumnTypes(table: string, target: Column[], output: Column[]): void {
  const byName = new Map(target.map((c) => [c.name.toLowerCase(), c]));
  for (const column of output) {
    const existing = byName.get(column.name.toLowerCase());
    if (!existing || sameType(column.type, existing.type)) continue;
    if (column.type === 'NULL' || WIDENINGS[column.type]?.includes(existing.type)) continue;
    if (widensDecimal(column.type, existing.type)) continue;
    throw new LakeError(
      'SCHEMA_MISMATCH',
      `Column "${existing.name}" of ${table} is ${existing.type}, but the job's output has ${column.type}; cast it in the job (CAST(... AS ${existing.type})) or write to a new column.`,
      { details: { column: existing.name, tableType: existing.type, outputType: column.type } },
    );
  }
}

function sameType(a: string, b: string): boolean {
  return a.replace(/\s+/g, '').toUpperCase() === b.replace(/\s+/g, '').toUpperCase();
}

const DECIMAL = /^DECIMAL\((\d+),\s*(\d+)\)$/;
const INTEGER_DIGITS: Record<string, number> = { TINYINT: 3, SMALLINT: 5, INTEGER: 10, BIGINT: 19 };

function widensDecimal(from: string, to: string): boolean {
  const target = DECIMAL.exec(to);
  if (!target && to !== 'DOUBLE') return false;
  const source = DECIMAL.exec(from);
  // DECIMAL into DOUBLE is the implicit cast every SQL engine makes for arithmetic.
  if (!target) return source !== null;
  const [p2, s2] = [Number(target[1]), Number(target[2])];
  if (source) {
    const [p1, s1] = [Number(source[1]), Number(source[2])];
    return s2 >= s1 && p2 - s2 >= p1 - s1;
  }
  const digits = INTEGER_DIGITS[from];
  return digits !== undefined && p2 - s2 >= digits;
}
