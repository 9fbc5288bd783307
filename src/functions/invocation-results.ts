import type { Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';

/** What invocations returned, by run id (`lb_function_result`), as JSON text. */
export class InvocationResults {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  /** Written before the run ends, so that a succeeded run always has its result. */
  async put(runId: string, fn: string, version: number, json: string | undefined): Promise<void> {
    await this.db
      .insertInto('lb_function_result')
      .values({
        run_id: runId,
        function_name: fn,
        version,
        result: json ?? null,
        created_at: Date.now(),
      })
      .onConflict((oc) => oc.column('run_id').doUpdateSet({ result: json ?? null }))
      .execute();
  }

  /** The run's result; undefined when it returned nothing (or has none). */
  async get(runId: string): Promise<unknown> {
    const row = await this.db
      .selectFrom('lb_function_result')
      .select('result')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    return row?.result == null ? undefined : (JSON.parse(row.result) as unknown);
  }
}
