import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from './schema.js';

const SLOT = 'lake';

/** A new lake's id, written into its lakebox.json and its metadata database at init. */
export function newLakeId(): string {
  return `lake_${randomBytes(10).toString('hex')}`;
}

/** Who a process takes itself to be: its lakebox.json's id and its storage location. */
export interface LakeIdentity {
  id: string;
  /** `s3://bucket/prefix`, or the zones' absolute directory. */
  storage: string;
}

/**
 * Checks that the metadata database belongs to the lake `self` names, and records it there
 * if the database has none yet (a new lake, or one made before lakes had ids); answers the
 * lake's id. With `joining` (init), a database that already holds a lake on the same storage
 * is that lake, joined from another directory or machine, and its id is answered. Two inits
 * racing on one empty database: the primary key lets one win.
 *
 * @throws LakeError LAKE_MISMATCH when the database belongs to another lake.
 */
export async function claimLakeIdentity(
  db: Kysely<MetaSchema>,
  self: LakeIdentity,
  location: string,
  joining: boolean,
): Promise<string> {
  await db
    .insertInto('lb_lake')
    .values({ slot: SLOT, lake_id: self.id, storage: self.storage, created_at: Date.now() })
    .onConflict((oc) => oc.column('slot').doNothing())
    .execute();
  const row = await db
    .selectFrom('lb_lake')
    .select(['lake_id', 'storage'])
    .where('slot', '=', SLOT)
    .executeTakeFirstOrThrow();
  if (row.lake_id === self.id || (joining && row.storage === self.storage)) return row.lake_id;
  throw new LakeError(
    'LAKE_MISMATCH',
    `The metadata database at ${location} belongs to another lake (${row.lake_id}, storage ${row.storage}), not to this lakebox.json's lake (${self.id}); point metadata.url (or LAKEBOX_DATABASE_URL) at this lake's own database.`,
    { details: { expected: self.id, found: row.lake_id } },
  );
}
