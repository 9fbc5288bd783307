import type { Kysely } from 'kysely';
import type { MetaSchema } from '../../meta/schema.js';
import type { TableStateName, TableStatus } from './migration-task.js';

/**
 * What a migration task's runs keep: its latest run, its confirmed CDC position and every
 * table's state. The task's record itself is on the record store (`MIGRATION_TASK_KIND`).
 */
export class MigrationStateStore {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  /**
   * Records the task's latest run or its confirmed CDC position. Not a change of the task's
   * record: `updated_at` stays and no `migration_task.updated` is raised (CDC moves the
   * position every batch).
   */
  async setRunState(
    name: string,
    values: { runId?: string | null; confirmedLsn?: string | null },
  ): Promise<void> {
    await this.db
      .updateTable('lb_migration_task')
      .set({
        ...(values.runId !== undefined ? { run_id: values.runId } : {}),
        ...(values.confirmedLsn !== undefined ? { confirmed_lsn: values.confirmedLsn } : {}),
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
