import type { Kysely } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from '../meta/schema.js';
import { toSnapshot } from './catalog-rows.js';
import type { AsOf, Snapshot, Table } from './catalog-types.js';

/**
 * The table's snapshot current at `asOf`: the newest one with an id at or below a snapshot id
 * (ids are global, so one id is a consistent point across tables), or committed at or before
 * a time. Null when the table had no data then. A point the lake has not reached yet is
 * refused rather than read as the current data (which could still change under that name),
 * and a point whose snapshot was expired says so and names the oldest one still readable.
 */
export async function snapshotAsOf(
  db: Kysely<MetaSchema>,
  table: Table,
  asOf: AsOf,
): Promise<Snapshot | null> {
  const point = typeof asOf === 'number' ? `snapshot ${asOf}` : asOf.toISOString();
  await refuseFuture(db, asOf, point);
  let query = db.selectFrom('lb_snapshot').selectAll().where('table_id', '=', table.id);
  query =
    typeof asOf === 'number'
      ? query.where('snapshot_id', '<=', asOf)
      : query.where('committed_at', '<=', asOf.getTime());
  const row = await query.orderBy('snapshot_id', 'desc').limit(1).executeTakeFirst();
  if (row && row.expired_at === null) return toSnapshot(row);
  const oldest = await db
    .selectFrom('lb_snapshot')
    .selectAll()
    .where('table_id', '=', table.id)
    .where('expired_at', 'is', null)
    .orderBy('snapshot_id')
    .limit(1)
    .executeTakeFirst();
  if (!row && !oldest) return null;
  const readable = oldest
    ? `the oldest readable is snapshot ${oldest.snapshot_id} (${new Date(oldest.committed_at).toISOString()})`
    : 'no snapshot of it is readable';
  const details = {
    table: table.fullName,
    asOf: point,
    oldestReadable: oldest?.snapshot_id ?? null,
  };
  if (row) {
    throw new LakeError(
      'SNAPSHOT_EXPIRED',
      `Table ${table.fullName} at ${point} is snapshot ${row.snapshot_id}, which was expired on ${new Date(row.expired_at!).toISOString()} and can no longer be read; ${readable}.`,
      { details: { ...details, snapshotId: row.snapshot_id } },
    );
  }
  throw new LakeError(
    'SNAPSHOT_NOT_FOUND',
    `Table ${table.fullName} has no snapshot at or before ${point}; ${readable} (see lakebox history ${table.fullName}).`,
    { details },
  );
}

async function refuseFuture(db: Kysely<MetaSchema>, asOf: AsOf, point: string): Promise<void> {
  if (typeof asOf !== 'number') {
    if (asOf.getTime() <= Date.now()) return;
    throw new LakeError(
      'SNAPSHOT_IN_FUTURE',
      `As of ${point}: that time is in the future; the lake can only be read as of now or earlier (omit the as-of for the current data).`,
      { details: { asOf: point } },
    );
  }
  const { latest } = await db
    .selectFrom('lb_snapshot')
    .select((eb) => eb.fn.max('snapshot_id').as('latest'))
    .executeTakeFirstOrThrow();
  const newest = latest === null ? null : Number(latest);
  if (newest !== null && asOf <= newest) return;
  throw new LakeError(
    'SNAPSHOT_IN_FUTURE',
    `As of ${point}: that is past the lake's latest snapshot (${newest ?? 'none yet'}); use an id from lakebox history, or omit the as-of for the current data.`,
    { details: { asOf, latest: newest } },
  );
}
