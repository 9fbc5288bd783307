import type { Kysely, Migration } from 'kysely';

/**
 * The snapshots that first added a data file's rows (oldest and newest), so that a rewrite
 * that keeps the rows (compaction) keeps their age: a job bookmark reads a compacted file only
 * when it holds rows added after the bookmark. Null for a file that holds only rows its own
 * commit added (its `begin_snapshot`), which is every file before this migration.
 */
export function rowOriginsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('lb_data_file')
        .addColumn('origin_min_snapshot', 'bigint')
        .execute();
      await db.schema
        .alterTable('lb_data_file')
        .addColumn('origin_max_snapshot', 'bigint')
        .execute();
    },
  };
}
