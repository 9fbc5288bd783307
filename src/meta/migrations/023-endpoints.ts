import type { Kysely, Migration } from 'kysely';

/**
 * Model endpoints (SageMaker endpoints): `lb_endpoint`, the record (production variants with
 * weights, an optional shadow, the instance count), and `lb_endpoint_deployment`, what a
 * serving process last did with it, kept apart so that a host reporting on its work never
 * raises an `endpoint.updated` event of its own; it also carries the host's request counts
 * (written as they change, each poll), so that `lakebox endpoint status` in another process
 * shows them.
 */
export function endpointsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lb_endpoint')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text')
        .addColumn('variants', 'text', (c) => c.notNull())
        .addColumn('shadow', 'text')
        .addColumn('instances', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('capture', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('lb_endpoint_deployment')
        .addColumn('endpoint_name', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('serving', 'text')
        .addColumn('config_at', 'bigint', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('traffic', 'text')
        .addColumn('capture', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('lb_endpoint_deployment').execute();
      await db.schema.dropTable('lb_endpoint').execute();
    },
  };
}
