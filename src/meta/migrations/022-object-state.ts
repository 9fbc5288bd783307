import type { Kysely, Migration } from 'kysely';

/**
 * The objects the lake knows to be in each zone, and the zones recorded once (baselined),
 * so that objects copied into a zone's folder or bucket by other tools raise events.
 * (021 is taken by triggers' event columns.)
 */
export function objectStateMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_object_state')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('etag', 'text')
        .addColumn('mtime', 'bigint')
        .addColumn('seen_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('lb_object_zone')
        .addColumn('zone', 'text', (c) => c.primaryKey())
        .addColumn('baselined_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('lb_object_zone').execute();
      await db.schema.dropTable('lb_object_state').execute();
    },
  };
}
