import type { Kysely, Transaction } from 'kysely';
import { LakeError, isLakeError } from '../errors/lake-error.js';
import type { NewEvent } from '../events/event-catalogue.js';
import type { MetaSchema } from '../meta/schema.js';
import {
  ZONES,
  type AsOf,
  type Column,
  type ColumnStats,
  type DataFile,
  type Database,
  type Snapshot,
  type Table,
  type TableFormat,
  type TableKind,
  type TableSchema,
  type Zone,
} from './catalog-types.js';
import { toDataFile, toDatabase, toSchema, toSnapshot, toTable } from './catalog-rows.js';
import { closeNames } from './close-names.js';
import { parseTableName, validateIdentifier } from './identifier.js';
import { insertSchema, validateColumns } from './schema-version.js';
import { snapshotAsOf } from './snapshot-as-of.js';
import { commitInTransaction, commitTable, type CommitRequest } from './table-commit.js';

/** Where the catalog appends the events it emits; the lake's EventLog fits. */
export interface CatalogEventSink {
  append(event: NewEvent, trx?: Transaction<MetaSchema>): Promise<number>;
  appendMany(events: readonly NewEvent[], trx?: Transaction<MetaSchema>): Promise<number[]>;
}

export interface CreateDatabaseOptions {
  zone?: Zone;
  description?: string;
  properties?: Record<string, string>;
  ifNotExists?: boolean;
}

export interface CreateTableOptions {
  kind?: TableKind;
  format?: TableFormat;
  /** Required for external tables; managed tables live at `<zone>/<database>/<table>`. */
  location?: string;
  columns: Column[];
  partitionColumns?: string[];
  description?: string;
  properties?: Record<string, string>;
  ifNotExists?: boolean;
}

export interface PartitionInfo {
  values: Record<string, string | null>;
  fileCount: number;
  recordCount: number;
  bytes: number;
}

/**
 * Databases, tables, schema versions, snapshots and data files (the Glue Data Catalog part),
 * kept in the metadata database. Every table change is one snapshot committed atomically.
 */
export class Catalog {
  constructor(
    readonly db: Kysely<MetaSchema>,
    private readonly events: CatalogEventSink,
  ) {}

  /** Creates a database whose managed tables live in `zone` (default `processed`). */
  async createDatabase(name: string, options: CreateDatabaseOptions = {}): Promise<Database> {
    const dbName = validateIdentifier(name, 'database name');
    const existing = await this.findDatabase(dbName);
    if (existing) {
      if (options.ifNotExists) return existing;
      throw new LakeError('DATABASE_EXISTS', `Database ${dbName} already exists.`);
    }
    return this.db.transaction().execute((trx) => this.insertDatabase(trx, dbName, options));
  }

  async findDatabase(
    name: string,
    db: Kysely<MetaSchema> = this.db,
  ): Promise<Database | undefined> {
    const row = await db
      .selectFrom('lb_database')
      .selectAll()
      .where('name', '=', name.toLowerCase())
      .where('dropped_at', 'is', null)
      .executeTakeFirst();
    return row && toDatabase(row);
  }

  private async insertDatabase(
    trx: Transaction<MetaSchema>,
    name: string,
    options: CreateDatabaseOptions,
  ): Promise<Database> {
    const dbName = validateIdentifier(name, 'database name');
    const zone = options.zone ?? 'processed';
    if (!ZONES.includes(zone)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Unknown zone "${zone}": use one of ${ZONES.join(', ')}.`,
      );
    }
    await trx
      .insertInto('lb_database')
      .values({
        name: dbName,
        zone,
        description: options.description ?? null,
        properties: JSON.stringify(options.properties ?? {}),
        created_at: Date.now(),
        dropped_at: null,
      })
      .execute();
    await this.events.append(
      { type: 'database.created', subject: dbName, payload: { database: dbName, zone } },
      trx,
    );
    return (await this.findDatabase(dbName, trx))!;
  }

  /** @throws LakeError DATABASE_NOT_FOUND, naming close matches. */
  async getDatabase(name: string): Promise<Database> {
    const database = await this.findDatabase(name);
    if (database) return database;
    const names = (await this.listDatabases()).map((d) => d.name);
    throw new LakeError(
      'DATABASE_NOT_FOUND',
      `Database ${name} does not exist.${hint(closeNames(name, names))}`,
    );
  }

  async listDatabases(): Promise<Database[]> {
    const rows = await this.db
      .selectFrom('lb_database')
      .selectAll()
      .where('dropped_at', 'is', null)
      .orderBy('name')
      .execute();
    return rows.map(toDatabase);
  }

  /** Drops an empty database (or, with `cascade`, its tables too). */
  async dropDatabase(name: string, options: { cascade?: boolean } = {}): Promise<void> {
    const database = await this.getDatabase(name);
    const tables = await this.listTables(database.name);
    if (tables.length > 0 && !options.cascade) {
      throw new LakeError(
        'DATABASE_NOT_EMPTY',
        `Database ${database.name} still has ${tables.length} table(s); drop them first or pass cascade.`,
      );
    }
    for (const table of tables) await this.dropTable(table.fullName);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('lb_database')
        .set({ dropped_at: Date.now() })
        .where('database_id', '=', database.id)
        .execute();
      await this.events.append(
        { type: 'database.dropped', subject: database.name, payload: { database: database.name } },
        trx,
      );
    });
  }

  /** Registers a table with its first schema version; it has no snapshot until its first commit. */
  async createTable(name: string, options: CreateTableOptions): Promise<Table> {
    const existing = await this.findTable(name);
    if (existing) {
      if (options.ifNotExists) return existing;
      throw new LakeError('TABLE_EXISTS', `Table ${existing.fullName} already exists.`);
    }
    const database = await this.getDatabase(parseTableName(name).database);
    return this.db.transaction().execute((trx) => this.insertTable(trx, database, name, options));
  }

  /**
   * Creates a table, and its database when there is none yet (in the default zone), together
   * with its first snapshot in one transaction: a write that fails before its commit never
   * leaves an empty table (or database) behind.
   * @throws LakeError COMMIT_CONFLICT (transient) when another writer created the table first.
   * @example
   * await catalog.createTableWithCommit('sales.orders', { columns }, { operation: 'append', addFiles });
   */
  async createTableWithCommit(
    name: string,
    options: CreateTableOptions,
    commit: Omit<CommitRequest, 'table' | 'parentSnapshotId'>,
  ): Promise<{ table: Table; snapshot: Snapshot }> {
    const qualified = parseTableName(name);
    if (await this.findTable(name))
      throw new LakeError('COMMIT_CONFLICT', `Table ${name} already exists.`, { transient: true });
    try {
      return await this.db.transaction().execute(async (trx) => {
        const database =
          (await this.findDatabase(qualified.database, trx)) ??
          (await this.insertDatabase(trx, qualified.database, {}));
        const table = await this.insertTable(trx, database, name, options);
        const snapshot = await commitInTransaction(trx, this.events, {
          ...commit,
          table,
          parentSnapshotId: null,
        });
        return { table: { ...table, currentSnapshotId: snapshot.id }, snapshot };
      });
    } catch (error) {
      // Another writer's table (or database) won the unique index: it is a commit conflict.
      if (!isLakeError(error) && (await this.findTable(name)))
        throw new LakeError('COMMIT_CONFLICT', `Table ${name} was created by another writer.`, {
          transient: true,
          cause: error,
        });
      throw error;
    }
  }

  private async insertTable(
    trx: Transaction<MetaSchema>,
    database: Database,
    name: string,
    options: CreateTableOptions,
  ): Promise<Table> {
    const qualified = parseTableName(name);
    const kind = options.kind ?? 'managed';
    if (kind === 'external' && !options.location) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `External table ${name} needs a location (a zone prefix or an S3 URI).`,
      );
    }
    validateColumns(options.columns, options.partitionColumns ?? []);
    const location = options.location ?? `${database.zone}/${database.name}/${qualified.table}`;
    const { table_id } = await trx
      .insertInto('lb_table')
      .values({
        database_id: database.id,
        name: qualified.table,
        kind,
        format: options.format ?? 'parquet',
        location,
        description: options.description ?? null,
        properties: JSON.stringify(options.properties ?? {}),
        current_snapshot_id: null,
        current_schema_id: null,
        created_at: Date.now(),
        dropped_at: null,
      })
      .returning('table_id')
      .executeTakeFirstOrThrow();
    const schemaId = await insertSchema(
      trx,
      table_id,
      1,
      options.columns,
      options.partitionColumns ?? [],
    );
    await trx
      .updateTable('lb_table')
      .set({ current_schema_id: schemaId })
      .where('table_id', '=', table_id)
      .execute();
    await this.events.append(
      {
        type: 'table.created',
        subject: `${database.name}.${qualified.table}`,
        payload: { table: `${database.name}.${qualified.table}`, kind, location },
      },
      trx,
    );
    const row = await trx
      .selectFrom('lb_table')
      .selectAll()
      .where('table_id', '=', table_id)
      .executeTakeFirstOrThrow();
    return toTable(row, database.name);
  }

  async findTable(name: string): Promise<Table | undefined> {
    const qualified = parseTableName(name);
    const row = await this.db
      .selectFrom('lb_table')
      .innerJoin('lb_database', 'lb_database.database_id', 'lb_table.database_id')
      .selectAll('lb_table')
      .where('lb_database.name', '=', qualified.database)
      .where('lb_database.dropped_at', 'is', null)
      .where('lb_table.name', '=', qualified.table)
      .where('lb_table.dropped_at', 'is', null)
      .executeTakeFirst();
    return row && toTable(row, qualified.database);
  }

  /** @throws LakeError TABLE_NOT_FOUND, naming close matches. */
  async getTable(name: string): Promise<Table> {
    const table = await this.findTable(name);
    if (table) return table;
    const names = (await this.listTables()).map((t) => t.fullName);
    throw new LakeError(
      'TABLE_NOT_FOUND',
      `Table ${name} does not exist.${hint(closeNames(name.toLowerCase(), names))}`,
    );
  }

  async getTableById(tableId: number): Promise<Table> {
    const row = await this.db
      .selectFrom('lb_table')
      .innerJoin('lb_database', 'lb_database.database_id', 'lb_table.database_id')
      .selectAll('lb_table')
      .select('lb_database.name as database_name')
      .where('lb_table.table_id', '=', tableId)
      .executeTakeFirst();
    if (!row) throw new LakeError('TABLE_NOT_FOUND', `Table #${tableId} does not exist.`);
    return toTable(row, row.database_name);
  }

  /** Live tables, in one database or in all, ordered by name. */
  async listTables(database?: string): Promise<Table[]> {
    let query = this.db
      .selectFrom('lb_table')
      .innerJoin('lb_database', 'lb_database.database_id', 'lb_table.database_id')
      .selectAll('lb_table')
      .select('lb_database.name as database_name')
      .where('lb_table.dropped_at', 'is', null)
      .where('lb_database.dropped_at', 'is', null);
    if (database !== undefined) {
      const db = await this.getDatabase(validateIdentifier(database, 'database name'));
      query = query.where('lb_table.database_id', '=', db.id);
    }
    const rows = await query.orderBy('lb_database.name').orderBy('lb_table.name').execute();
    return rows.map((row) => toTable(row, row.database_name));
  }

  /** Drops a table at once from the catalog; its files stay until `vacuum` removes them. */
  async dropTable(name: string): Promise<void> {
    const table = await this.getTable(name);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('lb_table')
        .set({ dropped_at: Date.now() })
        .where('table_id', '=', table.id)
        .execute();
      await this.events.append(
        { type: 'table.dropped', subject: table.fullName, payload: { table: table.fullName } },
        trx,
      );
    });
  }

  /** The table's schema: current, or the version with the given id. */
  async schema(table: Table, schemaId = table.currentSchemaId): Promise<TableSchema> {
    if (schemaId === null)
      throw new LakeError('INTERNAL', `Table ${table.fullName} has no schema.`);
    const [row, columns] = await Promise.all([
      this.db
        .selectFrom('lb_schema')
        .selectAll()
        .where('schema_id', '=', schemaId)
        .executeTakeFirstOrThrow(),
      this.db.selectFrom('lb_column').selectAll().where('schema_id', '=', schemaId).execute(),
    ]);
    return toSchema(row, columns);
  }

  /** Every schema version of the table, oldest first. */
  async schemaHistory(table: Table): Promise<TableSchema[]> {
    const rows = await this.db
      .selectFrom('lb_schema')
      .selectAll()
      .where('table_id', '=', table.id)
      .orderBy('version')
      .execute();
    const columns = await this.db
      .selectFrom('lb_column')
      .selectAll()
      .where('table_id', '=', table.id)
      .execute();
    return rows.map((row) =>
      toSchema(
        row,
        columns.filter((c) => c.schema_id === row.schema_id),
      ),
    );
  }

  async snapshot(snapshotId: number): Promise<Snapshot> {
    const row = await this.db
      .selectFrom('lb_snapshot')
      .selectAll()
      .where('snapshot_id', '=', snapshotId)
      .executeTakeFirst();
    if (!row)
      throw new LakeError(
        'SNAPSHOT_NOT_FOUND',
        `Snapshot ${snapshotId} does not exist; see the table's history for valid ids.`,
      );
    return toSnapshot(row);
  }

  /**
   * The table's snapshot current at `asOf` (see snapshot-as-of.ts), or its current one.
   * @throws LakeError SNAPSHOT_EXPIRED, SNAPSHOT_NOT_FOUND or SNAPSHOT_IN_FUTURE.
   */
  async snapshotAsOf(table: Table, asOf?: AsOf): Promise<Snapshot | null> {
    if (asOf === undefined)
      return table.currentSnapshotId === null ? null : this.snapshot(table.currentSnapshotId);
    return snapshotAsOf(this.db, table, asOf);
  }

  /** The table's snapshots, newest first. */
  async history(table: Table, options: { limit?: number } = {}): Promise<Snapshot[]> {
    let query = this.db
      .selectFrom('lb_snapshot')
      .selectAll()
      .where('table_id', '=', table.id)
      .orderBy('snapshot_id', 'desc');
    if (options.limit) query = query.limit(options.limit);
    return (await query.execute()).map(toSnapshot);
  }

  /** The data files that make up the table at a snapshot. */
  async files(
    table: Table,
    snapshotId: number | null = table.currentSnapshotId,
  ): Promise<DataFile[]> {
    if (snapshotId === null) return [];
    const rows = await this.db
      .selectFrom('lb_data_file')
      .selectAll()
      .where('table_id', '=', table.id)
      .where('begin_snapshot', '<=', snapshotId)
      .where((eb) => eb.or([eb('end_snapshot', 'is', null), eb('end_snapshot', '>', snapshotId)]))
      .orderBy('file_id')
      .execute();
    return rows.map(toDataFile);
  }

  /** Per-column statistics of the given files (min, max, null and value counts). */
  async fileStats(
    table: Table,
    fileIds: number[],
    columns?: string[],
  ): Promise<Map<number, ColumnStats[]>> {
    const result = new Map<number, ColumnStats[]>();
    for (let i = 0; i < fileIds.length; i += 500) {
      let query = this.db
        .selectFrom('lb_file_column_stats')
        .selectAll()
        .where('table_id', '=', table.id)
        .where('file_id', 'in', fileIds.slice(i, i + 500));
      if (columns) query = query.where('column_name', 'in', columns);
      for (const row of await query.execute()) {
        const stats = result.get(row.file_id) ?? [];
        stats.push({
          column: row.column_name,
          valueCount: row.value_count,
          nullCount: row.null_count,
          min: row.min_value,
          max: row.max_value,
        });
        result.set(row.file_id, stats);
      }
    }
    return result;
  }

  /** Partitions of the table at a snapshot, with their file and row counts. */
  async partitions(
    table: Table,
    snapshotId: number | null = table.currentSnapshotId,
  ): Promise<PartitionInfo[]> {
    const byKey = new Map<string, PartitionInfo>();
    for (const file of await this.files(table, snapshotId)) {
      const key = JSON.stringify(file.partitionValues);
      const partition = byKey.get(key) ?? {
        values: file.partitionValues,
        fileCount: 0,
        recordCount: 0,
        bytes: 0,
      };
      partition.fileCount += 1;
      partition.recordCount += file.recordCount;
      partition.bytes += file.fileSize;
      byKey.set(key, partition);
    }
    return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, p]) => p);
  }

  /**
   * Commits one snapshot atomically: adds files, removes files, and evolves the schema.
   * @throws LakeError COMMIT_CONFLICT (transient) when the table moved past `parentSnapshotId`.
   */
  commit(request: CommitRequest): Promise<Snapshot> {
    return commitTable(this.db, this.events, request);
  }
}

function hint(candidates: string[]): string {
  return candidates.length > 0 ? ` Did you mean ${candidates.join(', ')}?` : '';
}
