import type { Kysely } from 'kysely';
import { LakeError } from '../../errors/lake-error.js';
import type { MetaSchema } from '../../meta/schema.js';
import type { MigrationTaskRow } from '../../meta/schema-migration-tasks.js';
import type { MigrationTask, TableStateName, TableStatus } from './migration-task.js';

/** Migration tasks and their per-table states in the metadata database. */
export class MigrationStore {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  async insert(task: Omit<MigrationTask, 'runId' | 'confirmedLsn' | 'createdAt'>): Promise<void> {
    const now = Date.now();
    await this.db
      .insertInto('lb_migration_task')
      .values({
        name: task.name,
        source: task.source,
        target_database: task.targetDatabase,
        migration_type: task.type,
        table_mappings: JSON.stringify(task.mappings),
        settings: JSON.stringify(task.settings),
        run_id: null,
        confirmed_lsn: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  async find(name: string): Promise<MigrationTask | undefined> {
    const row = await this.db
      .selectFrom('lb_migration_task')
      .selectAll()
      .where('name', '=', name.toLowerCase())
      .executeTakeFirst();
    return row && toTask(row);
  }

  /** @throws LakeError MIGRATION_TASK_NOT_FOUND */
  async get(name: string): Promise<MigrationTask> {
    const task = await this.find(name);
    if (!task)
      throw new LakeError(
        'MIGRATION_TASK_NOT_FOUND',
        `Migration task ${name} does not exist; create it with lakebox migrate create.`,
      );
    return task;
  }

  async list(): Promise<MigrationTask[]> {
    return (
      await this.db.selectFrom('lb_migration_task').selectAll().orderBy('name').execute()
    ).map(toTask);
  }

  async delete(name: string): Promise<void> {
    await this.db.deleteFrom('lb_migration_table').where('task', '=', name).execute();
    await this.db.deleteFrom('lb_migration_task').where('name', '=', name).execute();
  }

  async update(
    name: string,
    values: { runId?: string | null; confirmedLsn?: string | null },
  ): Promise<void> {
    await this.db
      .updateTable('lb_migration_task')
      .set({
        ...(values.runId !== undefined ? { run_id: values.runId } : {}),
        ...(values.confirmedLsn !== undefined ? { confirmed_lsn: values.confirmedLsn } : {}),
        updated_at: Date.now(),
      })
      .where('name', '=', name)
      .execute();
  }

  /** Creates or updates a table's state; fields not given keep their value. */
  async setTable(
    task: string,
    ref: { schema: string; name: string },
    values: Partial<Omit<TableStatus, 'sourceSchema' | 'sourceTable' | 'updatedAt'>> & {
      state?: TableStateName;
    },
  ): Promise<void> {
    const set = {
      ...(values.targetTable !== undefined ? { target_table: values.targetTable } : {}),
      ...(values.state !== undefined ? { state: values.state } : {}),
      ...(values.rowsLoaded !== undefined ? { rows_loaded: values.rowsLoaded } : {}),
      ...(values.rowsRejected !== undefined ? { rows_rejected: values.rowsRejected } : {}),
      ...(values.changesApplied !== undefined ? { changes_applied: values.changesApplied } : {}),
      ...(values.lastLsn !== undefined ? { last_lsn: values.lastLsn } : {}),
      ...(values.lagSeconds !== undefined
        ? { lag_ms: values.lagSeconds === null ? null : Math.round(values.lagSeconds * 1000) }
        : {}),
      ...(values.lagBytes !== undefined ? { lag_bytes: values.lagBytes } : {}),
      ...(values.error !== undefined ? { error: values.error } : {}),
      updated_at: Date.now(),
    };
    const updated = await this.db
      .updateTable('lb_migration_table')
      .set(set)
      .where('task', '=', task)
      .where('source_schema', '=', ref.schema)
      .where('source_table', '=', ref.name)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    await this.db
      .insertInto('lb_migration_table')
      .values({
        task,
        source_schema: ref.schema,
        source_table: ref.name,
        target_table: values.targetTable ?? ref.name,
        state: values.state ?? 'pending',
        rows_loaded: values.rowsLoaded ?? 0,
        rows_rejected: values.rowsRejected ?? 0,
        changes_applied: values.changesApplied ?? 0,
        last_lsn: values.lastLsn ?? null,
        lag_ms: values.lagSeconds == null ? null : Math.round(values.lagSeconds * 1000),
        lag_bytes: values.lagBytes ?? null,
        error: values.error ?? null,
        updated_at: Date.now(),
      })
      .execute();
  }

  async tables(task: string): Promise<TableStatus[]> {
    const rows = await this.db
      .selectFrom('lb_migration_table')
      .selectAll()
      .where('task', '=', task)
      .orderBy('source_schema')
      .orderBy('source_table')
      .execute();
    return rows.map((r) => ({
      sourceSchema: r.source_schema,
      sourceTable: r.source_table,
      targetTable: r.target_table,
      state: r.state as TableStateName,
      rowsLoaded: Number(r.rows_loaded),
      rowsRejected: Number(r.rows_rejected),
      changesApplied: Number(r.changes_applied),
      lastLsn: r.last_lsn,
      lagSeconds: r.lag_ms === null ? null : Number(r.lag_ms) / 1000,
      lagBytes: r.lag_bytes === null ? null : Number(r.lag_bytes),
      error: r.error,
      updatedAt: new Date(Number(r.updated_at)),
    }));
  }
}

function toTask(row: MigrationTaskRow): MigrationTask {
  return {
    name: row.name,
    source: row.source,
    targetDatabase: row.target_database,
    type: row.migration_type as MigrationTask['type'],
    mappings: JSON.parse(row.table_mappings) as MigrationTask['mappings'],
    settings: JSON.parse(row.settings) as MigrationTask['settings'],
    runId: row.run_id,
    confirmedLsn: row.confirmed_lsn,
    createdAt: new Date(Number(row.created_at)),
  };
}
