import { LakeError } from '../errors/lake-error.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,127}$/;

/**
 * Database and table names: lower-case letters, digits and underscores, not starting with a
 * digit, at most 128 characters (what Glue, Hive and Athena all accept). Checked before any
 * SQL is built, so a name can never smuggle SQL in; mixed case is folded as SQL engines do.
 */
export function validateIdentifier(name: string, what = 'name'): string {
  const folded = typeof name === 'string' ? name.toLowerCase() : '';
  if (!IDENTIFIER.test(folded)) {
    throw new LakeError(
      'INVALID_IDENTIFIER',
      `Invalid ${what} ${JSON.stringify(name)}: use letters, digits and underscores, starting with a letter or underscore (at most 128 characters).`,
    );
  }
  return folded;
}

export interface QualifiedName {
  database: string;
  table: string;
}

/** Parses `db.table`, validating both parts. */
export function parseTableName(name: string): QualifiedName {
  const parts = typeof name === 'string' ? name.split('.') : [];
  if (parts.length !== 2) {
    throw new LakeError(
      'INVALID_IDENTIFIER',
      `Invalid table name ${JSON.stringify(name)}: write it as DATABASE.TABLE, for example sales.orders.`,
    );
  }
  return {
    database: validateIdentifier(parts[0]!, 'database name'),
    table: validateIdentifier(parts[1]!, 'table name'),
  };
}

/** Quotes any identifier (column names come from data and may hold anything) for DuckDB SQL. */
export function quoteIdentifier(name: string): string {
  if (name.includes('\0')) {
    throw new LakeError(
      'INVALID_IDENTIFIER',
      `Invalid identifier ${JSON.stringify(name)}: it contains a NUL character.`,
    );
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for DuckDB SQL. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
