import type { Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import type { Table } from './catalog-types.js';

export interface ExpireOptions {
  /** Snapshots committed before this time are expired. */
  olderThan: Date;
  /** The newest snapshots kept whatever their age; at least 1 (the current one). */
  retainLast?: number;
}

export interface ExpireResult {
  expiredSnapshots: number[];
}

/**
 * Marks old snapshots of a table expired: time travel to them stops, and `vacuum` may then
 * delete the files that only they reference. The current snapshot and the newest
 * `retainLast` are always kept. Nothing is deleted here.
 */
export async function expireSnapshots(
  db: Kysely<MetaSchema>,
  table: Table,
  options: ExpireOptions,
): Promise<ExpireResult> {
  const retain = Math.max(1, options.retainLast ?? 1);
  return db.transaction().execute(async (trx) => {
    const live = await trx
      .selectFrom('lb_snapshot')
      .select(['snapshot_id', 'committed_at'])
      .where('table_id', '=', table.id)
      .where('expired_at', 'is', null)
      .orderBy('snapshot_id', 'desc')
      .execute();
    const current = await trx
      .selectFrom('lb_table')
      .select('current_snapshot_id')
      .where('table_id', '=', table.id)
      .executeTakeFirstOrThrow();
    const cutoff = options.olderThan.getTime();
    const expired = live
      .slice(retain)
      .filter((s) => s.committed_at < cutoff && s.snapshot_id !== current.current_snapshot_id)
      .map((s) => s.snapshot_id);
    for (let i = 0; i < expired.length; i += 500) {
      await trx
        .updateTable('lb_snapshot')
        .set({ expired_at: Date.now() })
        .where('snapshot_id', 'in', expired.slice(i, i + 500))
        .execute();
    }
    return { expiredSnapshots: expired };
  });
}
