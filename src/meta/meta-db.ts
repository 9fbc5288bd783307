import { Kysely, Migrator } from 'kysely';
import { isLakeError, LakeError } from '../errors/lake-error.js';
import { isConnectionLost } from './connection-lost.js';
import type { MetaDialect } from './dialects/meta-dialect.js';
import { migrationProvider } from './migrations/migrations.js';
import type { MetaSchema } from './schema.js';

/** The metadata database: a Kysely handle on one of the dialects, migrated to the latest schema. */
export interface MetaDb {
  readonly db: Kysely<MetaSchema>;
  readonly dialect: MetaDialect;
  close(): Promise<void>;
}

/**
 * Opens the metadata database and applies pending migrations. Kysely's migrator holds a
 * lock table, so processes opening the same lake at once migrate it exactly once.
 *
 * @throws LakeError METADATA_UNREACHABLE when the database cannot be reached.
 */
export async function openMetaDb(dialect: MetaDialect): Promise<MetaDb> {
  const db = new Kysely<MetaSchema>({ dialect: dialect.createKyselyDialect() });
  try {
    const migrator = new Migrator({
      db,
      provider: migrationProvider(dialect),
      migrationTableName: 'lb_migration',
      migrationLockTableName: 'lb_migration_lock',
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  } catch (error) {
    await db.destroy().catch(() => undefined);
    if (isLakeError(error)) throw error; // the dialect's own diagnosis, e.g. METADATA_NOT_FOUND
    const unreachable = isConnectionError(error);
    throw new LakeError(
      unreachable ? 'METADATA_UNREACHABLE' : 'METADATA_ERROR',
      `Cannot open the metadata database at ${dialect.location}: ${describe(error)}${unreachable ? '; check that it is running and that the URL and credentials are right' : ''}.`,
      { cause: error, transient: unreachable },
    );
  }
  return {
    db,
    dialect,
    close: () => db.destroy(),
  };
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || error.constructor.name;
  return String(error);
}

/** Credentials refused or no such database (PostgreSQL 28xxx, 3D000), or no SQLite file. */
const NOT_ADMITTED_CODES = new Set(['28P01', '28000', '3D000', 'SQLITE_CANTOPEN']);

/** Lost on the way, or not let in: either way the database cannot be used as configured. */
function isConnectionError(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  const code = (error as { code?: string } | undefined)?.code;
  return (code !== undefined && NOT_ADMITTED_CODES.has(code)) || isConnectionLost(error);
}
