import type { Kysely, Selectable, Transaction } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { EventLog } from '../events/event-log.js';
import type { MetaSchema } from '../meta/schema.js';
import type { FunctionVersionRow } from '../meta/schema-functions.js';
import type { FunctionSettings, FunctionVersion } from './function-types.js';

/**
 * The versions of functions in `lb_function_version`. A version's number is the function's
 * highest plus one, taken in the transaction that inserts it (the primary key refuses a
 * second writer with the same number, which then tries the next).
 */
export class FunctionVersions {
  constructor(
    private readonly db: Kysely<MetaSchema>,
    private readonly events: EventLog,
  ) {}

  /**
   * The version with this bundle and these settings, or a new one: deploying identical code
   * and settings again is not a new version.
   */
  async add(
    name: string,
    artifactKey: string,
    settings: FunctionSettings,
  ): Promise<FunctionVersion> {
    const fingerprint = JSON.stringify([artifactKey, settings]);
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await this.db.transaction().execute(async (trx) => {
          const latest = await latestRow(trx, name);
          if (latest?.fingerprint === fingerprint) return latest;
          const now = Date.now();
          const row = {
            function_name: name,
            version: (latest?.version ?? 0) + 1,
            artifact_key: artifactKey,
            settings: JSON.stringify(settings),
            fingerprint,
            created_at: now,
          };
          await trx.insertInto('lb_function_version').values(row).execute();
          await trx
            .updateTable('lb_function')
            .set({ updated_at: now })
            .where('name', '=', name)
            .execute();
          if (row.version > 1)
            await this.events.append(
              { type: 'function.updated', subject: name, payload: { name } },
              trx,
            );
          return row;
        });
        return toVersion(row);
      } catch (error) {
        // Another deploy took the number first: the next try sees its version.
        if (attempt >= 5) throw error;
      }
    }
  }

  /** @throws LakeError FUNCTION_NOT_FOUND when the function has no such version. */
  async get(name: string, version?: number): Promise<FunctionVersion> {
    const row =
      version === undefined
        ? await latestRow(this.db, name)
        : await this.db
            .selectFrom('lb_function_version')
            .selectAll()
            .where('function_name', '=', name)
            .where('version', '=', version)
            .executeTakeFirst();
    if (!row)
      throw new LakeError(
        'FUNCTION_NOT_FOUND',
        version === undefined
          ? `Function ${name} has no version; deploy it with lakebox function deploy FILE --name ${name}.`
          : `Function ${name} has no version ${version}; see lakebox function versions ${name}.`,
      );
    return toVersion(row);
  }

  /** Newest first. */
  async list(name: string): Promise<FunctionVersion[]> {
    const rows = await this.db
      .selectFrom('lb_function_version')
      .selectAll()
      .where('function_name', '=', name)
      .orderBy('version', 'desc')
      .execute();
    return rows.map(toVersion);
  }

  /** The latest version of every function, by name. */
  async latestOfAll(): Promise<Map<string, FunctionVersion>> {
    const rows = await this.db
      .selectFrom('lb_function_version')
      .selectAll()
      .orderBy('version', 'asc')
      .execute();
    return new Map(rows.map((row) => [row.function_name, toVersion(row)]));
  }
}

/** Deletes a function's versions, in the transaction that deletes the function. */
export async function deleteVersions(trx: Transaction<MetaSchema>, name: string): Promise<void> {
  await trx.deleteFrom('lb_function_version').where('function_name', '=', name).execute();
}

async function latestRow(db: Kysely<MetaSchema>, name: string) {
  return db
    .selectFrom('lb_function_version')
    .selectAll()
    .where('function_name', '=', name)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

function toVersion(row: Selectable<FunctionVersionRow>): FunctionVersion {
  const settings = JSON.parse(row.settings) as FunctionSettings;
  return {
    function: row.function_name,
    version: Number(row.version),
    artifactKey: row.artifact_key,
    timeoutMs: settings.timeoutMs,
    memoryMb: settings.memoryMb,
    concurrency: settings.concurrency,
    env: settings.env,
    createdAt: new Date(Number(row.created_at)),
  };
}
