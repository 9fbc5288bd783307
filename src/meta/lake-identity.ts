import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from './schema.js';

const SLOT = 'lake';

/** A new lake's id, written into its lakebox.json and its metadata database at init. */
export function newLakeId(): string {
  return `lake_${randomBytes(10).toString('hex')}`;
}

/**
 * Checks that the metadata database belongs to the lake `lakeId` (from lakebox.json), and
 * records it there if the database has none yet (a new lake, or one made before lakes had
 * ids). Two inits racing on one empty database: the primary key lets one win.
 *
 * @throws LakeError LAKE_MISMATCH when the database belongs to another lake.
 */
export async function claimLakeIdentity(
  db: Kysely<MetaSchema>,
  lakeId: string,
  location: string,
): Promise<void> {
  await db
    .insertInto('lb_lake')
    .values({ slot: SLOT, lake_id: lakeId, created_at: Date.now() })
    .onConflict((oc) => oc.column('slot').doNothing())
    .execute();
  const row = await db
    .selectFrom('lb_lake')
    .select('lake_id')
    .where('slot', '=', SLOT)
    .executeTakeFirstOrThrow();
  if (row.lake_id !== lakeId) {
    throw new LakeError(
      'LAKE_MISMATCH',
      `The metadata database at ${location} belongs to another lake (${row.lake_id}), not to this lakebox.json's lake (${lakeId}); point metadata.url (or LAKEBOX_DATABASE_URL) at this lake's own database.`,
      { details: { expected: lakeId, found: row.lake_id } },
    );
  }
}
