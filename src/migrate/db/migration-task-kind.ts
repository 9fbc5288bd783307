import type { Transaction } from 'kysely';
import { validateIdentifier } from '../../catalog/identifier.js';
import { LakeError } from '../../errors/lake-error.js';
import type { MetaSchema } from '../../meta/schema.js';
import type { ResourceKind } from '../../resources/resource-kind.js';
import type { MigrationTask } from './migration-task.js';

/** What a migration task is made of; its run and CDC position are kept by the run, not here. */
export type NewMigrationTask = Omit<
  MigrationTask,
  'runId' | 'confirmedLsn' | 'createdAt' | 'updatedAt'
>;

/**
 * Migration tasks as rows of `lb_migration_task`: mappings and settings as JSON. `run_id` and
 * `confirmed_lsn` are state the task's runs keep (`MigrationStateStore`), so replacing a task
 * leaves them, and moving them raises no `migration_task.updated`.
 */
export const MIGRATION_TASK_KIND: ResourceKind<MigrationTask, NewMigrationTask> = {
  table: 'lb_migration_task',
  eventPrefix: 'migration_task',
  normalizeName: (name) => (typeof name === 'string' ? name.toLowerCase() : ''),
  checkName: (name) => void validateIdentifier(name, 'migration task name'),
  encode: (task) => ({
    source: task.source,
    target_database: task.targetDatabase,
    migration_type: task.type,
    table_mappings: JSON.stringify(task.mappings),
    settings: JSON.stringify(task.settings),
  }),
  decode: (row) => ({
    name: row['name'] as string,
    source: row['source'] as string,
    targetDatabase: row['target_database'] as string,
    type: row['migration_type'] as MigrationTask['type'],
    mappings: JSON.parse(row['table_mappings'] as string) as MigrationTask['mappings'],
    settings: JSON.parse(row['settings'] as string) as MigrationTask['settings'],
    runId: row['run_id'] as string | null,
    confirmedLsn: row['confirmed_lsn'] as string | null,
    createdAt: new Date(Number(row['created_at'])),
    updatedAt: new Date(Number(row['updated_at'])),
  }),
  notFound: (name, { close }) =>
    new LakeError(
      'MIGRATION_TASK_NOT_FOUND',
      `Migration task ${name} does not exist; ${close.length ? `did you mean ${close.join(', ')}?` : 'create it with lakebox migrate create.'}`,
    ),
  exists: (name) =>
    new LakeError(
      'MIGRATION_TASK_EXISTS',
      `Migration task ${name} already exists; pick another name or delete it.`,
    ),
};

/** A task's table states go with it; its lake tables and replication slot are not rows here. */
export async function deleteMigrationTableStates(
  trx: Transaction<MetaSchema>,
  name: string,
): Promise<void> {
  await trx.deleteFrom('lb_migration_table').where('task', '=', name).execute();
}
