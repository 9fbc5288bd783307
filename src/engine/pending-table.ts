import type { Catalog } from '../catalog/catalog.js';
import type { Table } from '../catalog/catalog-types.js';
import { parseTableName } from '../catalog/identifier.js';

/**
 * The table a first write creates, as it will be once its commit has made it: the write
 * plans against it and the commit creates table and snapshot in one transaction, so that a
 * write that fails leaves no empty table behind.
 */
export async function pendingTable(catalog: Catalog, name: string): Promise<Table> {
  const qualified = parseTableName(name);
  const database = await catalog.findDatabase(qualified.database);
  return {
    id: 0,
    database: qualified.database,
    name: qualified.table,
    fullName: `${qualified.database}.${qualified.table}`,
    kind: 'managed',
    format: 'parquet',
    location: `${database?.zone ?? 'processed'}/${qualified.database}/${qualified.table}`,
    description: null,
    properties: {},
    currentSnapshotId: null,
    currentSchemaId: null,
    createdAt: new Date(),
  };
}
