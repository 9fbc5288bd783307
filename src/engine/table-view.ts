import { quoteIdentifier, quoteLiteral } from '../catalog/identifier.js';
import type { Column, DataFile, Table, TableSchema } from '../catalog/catalog-types.js';
import { parquetScan } from './parquet-scan.js';

/** A table pinned at a snapshot, with the local path of each of its files. */
export interface PinnedTable {
  table: Table;
  schema: TableSchema;
  snapshotId: number | null;
  files: Array<DataFile & { localPath: string }>;
}

/**
 * The SELECT that a query sees in place of a catalog table: exactly the files of the pinned
 * snapshot, projected to the catalog schema in its column order.
 *
 * Managed Parquet files carry their partition columns (as Iceberg's do), so they read alone.
 * External files under Hive-style folders do not; their partition values come from the
 * catalog, one UNION ALL branch per partition, which DuckDB prunes on constant filters.
 */
export function tableViewSql(pinned: PinnedTable): string {
  const { schema, files } = pinned;
  if (files.length === 0) return emptyViewSql(schema.columns);
  const partitionColumns = new Set(schema.partitionColumns.map((c) => c.toLowerCase()));
  const external = pinned.table.kind === 'external' && partitionColumns.size > 0;
  if (!external)
    return `SELECT ${projection(schema.columns)} FROM ${reader(
      pinned,
      files.map((f) => f.localPath),
    )}`;

  const dataColumns = schema.columns.filter((c) => !partitionColumns.has(c.name.toLowerCase()));
  const groups = new Map<string, { values: Record<string, string | null>; paths: string[] }>();
  for (const file of files) {
    const key = JSON.stringify(file.partitionValues);
    const group = groups.get(key) ?? { values: file.partitionValues, paths: [] };
    group.paths.push(file.localPath);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ values, paths }) => {
      const list = schema.columns.map((column) =>
        partitionColumns.has(column.name.toLowerCase())
          ? `CAST(${values[column.name] == null ? 'NULL' : quoteLiteral(values[column.name]!)} AS ${column.type}) AS ${quoteIdentifier(column.name)}`
          : quoteIdentifier(column.name),
      );
      return `SELECT ${list.join(', ')} FROM ${reader({ ...pinned, schema: { ...schema, columns: dataColumns } }, paths)}`;
    })
    .join(' UNION ALL ');
}

function reader(pinned: PinnedTable, paths: string[]): string {
  const list = `[${paths.map(quoteLiteral).join(', ')}]`;
  const { table, schema } = pinned;
  switch (table.format) {
    case 'parquet':
      // Files written before a column was added lack it. External (crawled) files may
      // differ from one another from their first schema version on.
      return parquetScan(schema.columns, paths, {
        evolved: schema.version > 1 || table.kind === 'external',
      });
    case 'csv':
      return `read_csv(${list}, ${csvOptions(table.properties)}, columns = ${columnsStruct(schema.columns)})`;
    case 'json':
      return `read_json(${list}, format = 'auto', columns = ${columnsStruct(schema.columns)})`;
  }
}

function csvOptions(properties: Record<string, string>): string {
  const options = [
    `header = ${properties['header'] === 'false' ? 'false' : 'true'}`,
    'auto_detect = false',
  ];
  for (const name of [
    'delim',
    'quote',
    'escape',
    'compression',
    'dateformat',
    'timestampformat',
    'encoding',
    'comment',
    // Crawled CSV tables: files written before a column was appended read it as NULL.
    'null_padding',
  ] as const) {
    if (properties[name] !== undefined) options.push(`${name} = ${quoteLiteral(properties[name])}`);
  }
  // DuckDB's parallel reader refuses null padding once a quoted field holds a line break
  // (RFC 4180): the serial one reads every such file.
  if (properties['null_padding'] === 'true') options.push('parallel = false');
  return options.join(', ');
}

function columnsStruct(columns: Column[]): string {
  return `{${columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ')}}`;
}

function projection(columns: Column[]): string {
  return columns.map((c) => quoteIdentifier(c.name)).join(', ');
}

function emptyViewSql(columns: Column[]): string {
  return `SELECT ${columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdentifier(c.name)}`).join(', ')} WHERE false`;
}
