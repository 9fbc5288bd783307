import type { Transaction } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from '../meta/schema.js';
import type { Column } from './catalog-types.js';

/** Writes schema version `version` of a table: its partition spec and its columns in order. */
export async function insertSchema(
  trx: Transaction<MetaSchema>,
  tableId: number,
  version: number,
  columns: Column[],
  partitionColumns: string[],
): Promise<number> {
  const { schema_id } = await trx
    .insertInto('lb_schema')
    .values({
      table_id: tableId,
      version,
      partition_columns: JSON.stringify(partitionColumns),
      created_at: Date.now(),
    })
    .returning('schema_id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('lb_column')
    .values(
      columns.map((column, position) => ({
        schema_id,
        table_id: tableId,
        position,
        name: column.name,
        type: column.type,
        nullable: column.nullable ? 1 : 0,
        description: column.description ?? null,
      })),
    )
    .execute();
  return schema_id;
}

/** Column names are unique case-insensitively and partition columns are columns. */
export function validateColumns(columns: Column[], partitionColumns: string[]): void {
  if (columns.length === 0)
    throw new LakeError('INVALID_ARGUMENT', 'A table needs at least one column.');
  const names = new Set<string>();
  for (const column of columns) {
    if (!column.name || column.name.includes('\0')) {
      throw new LakeError(
        'INVALID_IDENTIFIER',
        `Invalid column name ${JSON.stringify(column.name)}.`,
      );
    }
    const folded = column.name.toLowerCase();
    if (names.has(folded))
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Column "${column.name}" appears twice; column names must be unique (case-insensitively).`,
      );
    names.add(folded);
  }
  for (const partition of partitionColumns) {
    if (!names.has(partition.toLowerCase())) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Partition column "${partition}" is not a column of the table.`,
      );
    }
  }
}
