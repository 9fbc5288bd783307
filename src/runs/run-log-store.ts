import type { Kysely } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from '../meta/schema.js';
import { redactCredentials } from './redact-credentials.js';
import type { RunLogEntry, RunLogLevel } from './run.js';
import { readRunRow, toLogEntry } from './run-row.js';

export interface RunLogQuery {
  /** Only entries after this entry id, to tail a log. */
  after?: number;
  limit?: number;
}

const LOG_LEVELS: Record<RunLogLevel, true> = { debug: true, info: true, warn: true, error: true };
const MAX_LOG_MESSAGE_LENGTH = 16_000;

/** The log lines of runs (`lb_run_log`), credentials masked on the way in. */
export class RunLogStore {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  /**
   * Appends a line to the run's log. Credentials in URLs and `password=` pairs are masked.
   *
   * @example await store.log(run.id, 'info', 'copied 200 files');
   * @throws LakeError INVALID_ARGUMENT for an unknown level.
   */
  async log(id: string, level: RunLogLevel, message: string): Promise<void> {
    if (!Object.hasOwn(LOG_LEVELS, level)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Unknown log level "${String(level)}"; use debug, info, warn or error.`,
      );
    }
    const text = redactCredentials(String(message));
    await this.db
      .insertInto('lb_run_log')
      .values({
        run_id: id,
        ts: Date.now(),
        level,
        message:
          text.length > MAX_LOG_MESSAGE_LENGTH
            ? `${text.slice(0, MAX_LOG_MESSAGE_LENGTH)}… (truncated)`
            : text,
      })
      .execute();
  }

  /**
   * The run's log in the order it was written.
   *
   * @example for (const entry of await store.logs(run.id, { after: lastSeen })) print(entry);
   * @throws LakeError RUN_NOT_FOUND when no run has this id.
   */
  async logs(id: string, query: RunLogQuery = {}): Promise<RunLogEntry[]> {
    let select = this.db.selectFrom('lb_run_log').selectAll().where('run_id', '=', id);
    if (query.after !== undefined) select = select.where('log_id', '>', query.after);
    const rows = await select
      .orderBy('log_id', 'asc')
      .limit(query.limit ?? 1000)
      .execute();
    if (rows.length === 0) await readRunRow(this.db, id);
    return rows.map(toLogEntry);
  }
}
