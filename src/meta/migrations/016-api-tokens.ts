import type { Kysely, Migration } from 'kysely';

/**
 * Bearer tokens for the HTTP API of `lakebox serve`: only a hash of each token's secret is
 * kept, so that the metadata database never holds a usable credential.
 */
export function apiTokensMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_api_token')
        .addColumn('token_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('lb_api_token').execute();
    },
  };
}
