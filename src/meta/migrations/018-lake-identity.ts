import type { Kysely, Migration } from 'kysely';

/**
 * The id of the lake a metadata database belongs to and where its storage is (one row), so that a process whose
 * configuration points at another lake's database is refused instead of running that
 * lake's runs against its own storage.
 */
export function lakeIdentityMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_lake')
        .addColumn('slot', 'text', (c) => c.primaryKey())
        .addColumn('lake_id', 'text', (c) => c.notNull())
        .addColumn('storage', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('lb_lake').execute();
    },
  };
}
