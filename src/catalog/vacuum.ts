import type { Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import { listAll, type ObjectStore } from '../storage/object-store.js';
import { parseTableName } from './identifier.js';

export interface VacuumOptions {
  /** Unreferenced objects younger than this are left alone: a writer may be about to commit them. */
  graceMs?: number;
  dryRun?: boolean;
  /** Only this table (`database.table`); every table unless told. */
  table?: string;
}

export interface VacuumResult {
  deletedFiles: number;
  deletedBytes: number;
  /** Keys deleted (or, in a dry run, that would be). */
  keys: string[];
}

const DELETE_BATCH = 500;

/**
 * Deletes the data files no live snapshot needs:
 * - every file of a dropped table;
 * - files removed by a snapshot older than the table's oldest live (unexpired) snapshot;
 * - objects under a managed table's `data/` prefix that no commit ever referenced (a writer
 *   that died before committing), once they are older than the grace period.
 * Objects outside managed tables' data prefixes (the user's raw files) are never touched.
 */
export async function vacuumTables(
  db: Kysely<MetaSchema>,
  store: ObjectStore,
  options: VacuumOptions = {},
): Promise<VacuumResult> {
  const graceMs = options.graceMs ?? 60 * 60 * 1000;
  const result: VacuumResult = { deletedFiles: 0, deletedBytes: 0, keys: [] };
  const remove = async (key: string, size: number) => {
    if (!options.dryRun) await store.delete(key);
    result.deletedFiles += 1;
    result.deletedBytes += size;
    result.keys.push(key);
  };

  let tableQuery = db
    .selectFrom('lb_table')
    .innerJoin('lb_database', 'lb_database.database_id', 'lb_table.database_id')
    .select(['lb_table.table_id', 'lb_table.kind', 'lb_table.location', 'lb_table.dropped_at']);
  if (options.table !== undefined) {
    const { database, table } = parseTableName(options.table);
    tableQuery = tableQuery
      .where('lb_database.name', '=', database)
      .where('lb_database.dropped_at', 'is', null)
      .where('lb_table.name', '=', table)
      .where('lb_table.dropped_at', 'is', null);
  }
  const tables = await tableQuery.execute();
  for (const table of tables) {
    let doomed: Array<{ file_id: number; path: string; file_size: number }>;
    if (table.dropped_at !== null) {
      doomed = await db
        .selectFrom('lb_data_file')
        .select(['file_id', 'path', 'file_size'])
        .where('table_id', '=', table.table_id)
        .execute();
    } else {
      const oldest = await db
        .selectFrom('lb_snapshot')
        .select((eb) => eb.fn.min('snapshot_id').as('id'))
        .where('table_id', '=', table.table_id)
        .where('expired_at', 'is', null)
        .executeTakeFirst();
      const oldestLive = oldest?.id ?? Number.MAX_SAFE_INTEGER;
      doomed = await db
        .selectFrom('lb_data_file')
        .select(['file_id', 'path', 'file_size'])
        .where('table_id', '=', table.table_id)
        .where('end_snapshot', 'is not', null)
        .where('end_snapshot', '<=', oldestLive)
        .execute();
    }
    // External tables' files belong to their owner: forget them, never delete them.
    if (table.kind === 'managed')
      for (const file of doomed) await remove(file.path, file.file_size);
    if (!options.dryRun)
      await forgetFiles(
        db,
        doomed.map((f) => f.file_id),
      );
  }

  const cutoff = Date.now() - graceMs;
  for (const table of tables) {
    if (table.kind !== 'managed' || table.dropped_at !== null) continue;
    for await (const object of listAll(store, `${table.location}/data/`)) {
      if (object.lastModified.getTime() > cutoff) continue;
      const known = await db
        .selectFrom('lb_data_file')
        .select('file_id')
        .where('path', '=', object.key)
        .limit(1)
        .executeTakeFirst();
      if (!known) await remove(object.key, object.size);
    }
  }
  return result;
}

async function forgetFiles(db: Kysely<MetaSchema>, fileIds: number[]): Promise<void> {
  for (let i = 0; i < fileIds.length; i += DELETE_BATCH) {
    const batch = fileIds.slice(i, i + DELETE_BATCH);
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('lb_file_column_stats').where('file_id', 'in', batch).execute();
      await trx.deleteFrom('lb_data_file').where('file_id', 'in', batch).execute();
    });
  }
}
