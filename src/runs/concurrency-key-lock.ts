import type { Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';

/**
 * Locks the row of a concurrency key until the transaction ends, creating it if need be:
 * an UPDATE takes PostgreSQL's row lock (and SQLite's write lock is already held).
 */
export async function lockKey(trx: Kysely<MetaSchema>, key: string): Promise<void> {
  await trx
    .insertInto('lb_run_key')
    .values({ key, claims: 0 })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  await trx
    .updateTable('lb_run_key')
    .set((eb) => ({ claims: eb('claims', '+', 1) }))
    .where('key', '=', key)
    .execute();
}
