import type { DuckDBConnection } from '@duckdb/node-api';
import type { Column, Table } from '../catalog/catalog-types.js';
import { quoteIdentifier } from '../catalog/identifier.js';
import { LakeError } from '../errors/lake-error.js';
import { sqlError } from './duck-engine.js';

/** The columns a SELECT produces, with DuckDB's types. */
export async function describeSelect(
  connection: DuckDBConnection,
  select: string,
): Promise<Column[]> {
  try {
    const reader = await connection.runAndReadAll(`DESCRIBE (${select})`);
    return reader.getRowObjectsJson().map((row) => ({
      name: String(row['column_name']),
      type: String(row['column_type']),
      nullable: true,
    }));
  } catch (error) {
    throw sqlError(error);
  }
}

export interface ColumnPlan {
  /** The table's columns after this write (with added columns at the end). */
  columns: Column[];
  /** SELECT list producing exactly those columns, cast to their types, from the source. */
  projection: string;
}

/**
 * Lines the source's columns up with the table's by name (case-insensitively): missing ones
 * are written as NULL, others are cast to the table's type (a value that does not fit fails
 * the write), and columns the table lacks are added only when the caller allows it.
 */
export function planColumns(
  table: Table,
  target: Column[],
  source: Column[],
  options: { addColumns: boolean },
): ColumnPlan {
  const sourceByName = new Map(source.map((c) => [c.name.toLowerCase(), c]));
  const targetNames = new Set(target.map((c) => c.name.toLowerCase()));
  const extra = source.filter((c) => !targetNames.has(c.name.toLowerCase()));
  if (extra.length > 0 && !options.addColumns) {
    throw new LakeError(
      'SCHEMA_MISMATCH',
      `The data has column(s) ${extra.map((c) => `"${c.name}" (${c.type})`).join(', ')} that ${table.fullName} lacks; drop them from the data or allow adding columns (--add-columns).`,
    );
  }
  const columns = [...target, ...extra.map((c) => ({ ...c, nullable: true }))];
  const projection = columns
    .map((column) => {
      const from = sourceByName.get(column.name.toLowerCase());
      if (!from && !column.nullable) {
        throw new LakeError(
          'SCHEMA_MISMATCH',
          `Column "${column.name}" of ${table.fullName} may not be NULL, and the data lacks it.`,
        );
      }
      const value = from ? quoteIdentifier(from.name) : 'NULL';
      return from && from.type === column.type
        ? `${value} AS ${quoteIdentifier(column.name)}`
        : `CAST(${value} AS ${column.type}) AS ${quoteIdentifier(column.name)}`;
    })
    .join(', ');
  return { columns, projection };
}

/** The table's column named `name`, case-insensitively. @throws SCHEMA_MISMATCH */
export function columnNamed(table: Table, columns: Column[], name: string, role: string): Column {
  const column = columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!column) {
    throw new LakeError(
      'SCHEMA_MISMATCH',
      `${role} "${name}" is not a column of ${table.fullName} (columns: ${columns.map((c) => c.name).join(', ')}).`,
    );
  }
  return column;
}
