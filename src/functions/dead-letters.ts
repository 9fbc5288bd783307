import type { Kysely, Selectable } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from '../meta/schema.js';
import type { FunctionDeadLetterRow } from '../meta/schema-functions.js';
import type { DeadLetter, DeadLetterQuery } from './function-types.js';

export interface NewDeadLetter {
  function: string;
  version: number;
  event: unknown;
  error: { code: string; message: string };
  attempts: number;
  runId: string;
}

/** Asynchronous invocations that used up their attempts, in `lb_function_dead_letter`. */
export class DeadLetters {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  /** Records a letter once per last attempt (its run id), however often it is called. */
  async add(letter: NewDeadLetter): Promise<void> {
    await this.db
      .insertInto('lb_function_dead_letter')
      .values({
        function_name: letter.function,
        version: letter.version,
        event: JSON.stringify(letter.event ?? null),
        error_code: letter.error.code,
        error_message: letter.error.message,
        attempts: letter.attempts,
        run_id: letter.runId,
        created_at: Date.now(),
      })
      .onConflict((oc) => oc.column('run_id').doNothing())
      .execute();
  }

  /** Oldest first; only those not yet replayed unless `replayed`. */
  async list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    let select = this.db.selectFrom('lb_function_dead_letter').selectAll();
    if (query.function !== undefined)
      select = select.where('function_name', '=', query.function.toLowerCase());
    if (!query.replayed) select = select.where('replayed_at', 'is', null);
    const rows = await select
      .orderBy('dead_letter_id', 'asc')
      .limit(query.limit ?? 1000)
      .execute();
    return rows.map(toLetter);
  }

  /** @throws LakeError DEAD_LETTER_NOT_FOUND */
  async get(id: number): Promise<DeadLetter> {
    const row = await this.db
      .selectFrom('lb_function_dead_letter')
      .selectAll()
      .where('dead_letter_id', '=', id)
      .executeTakeFirst();
    if (!row)
      throw new LakeError(
        'DEAD_LETTER_NOT_FOUND',
        `Dead letter ${id} does not exist; see lakebox dlq list.`,
      );
    return toLetter(row);
  }

  /** Notes the run that replays the letter; a letter replayed already keeps its first replay. */
  async markReplayed(id: number, runId: string): Promise<DeadLetter> {
    await this.db
      .updateTable('lb_function_dead_letter')
      .set({ replayed_at: Date.now(), replay_run_id: runId })
      .where('dead_letter_id', '=', id)
      .where('replayed_at', 'is', null)
      .execute();
    return this.get(id);
  }
}

function toLetter(row: Selectable<FunctionDeadLetterRow>): DeadLetter {
  return {
    id: Number(row.dead_letter_id),
    function: row.function_name,
    version: Number(row.version),
    event: JSON.parse(row.event) as unknown,
    error: { code: row.error_code, message: row.error_message },
    attempts: Number(row.attempts),
    runId: row.run_id,
    createdAt: new Date(Number(row.created_at)),
    replayedAt: row.replayed_at === null ? null : new Date(Number(row.replayed_at)),
    replayRunId: row.replay_run_id,
  };
}
