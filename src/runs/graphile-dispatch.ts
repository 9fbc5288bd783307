import { sql, type Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import type { Run } from './run.js';
import type { RunDispatch } from './run-store.js';

/** The graphile-worker task that carries runs of `kind`: workers fetch only kinds they serve. */
export function taskOfKind(kind: string): string {
  return `lakebox.${kind}`;
}

/**
 * Dispatch through graphile-worker: a queued run becomes a job in the same PostgreSQL
 * transaction (`graphile_worker.add_job`, whose NOTIFY wakes an idle worker at once). The
 * job carries only the run id; `lb_run` stays the record of the run. The job key is the
 * run id, so a run offered again (a retry's backoff, a concurrency key freed) has one job.
 * The job's own attempts (graphile's default) cover a worker that failed to reach the
 * metadata database; a claim of a run that has moved on is a no-op.
 */
export const graphileDispatch: RunDispatch = {
  async dispatch(trx: Kysely<MetaSchema>, run: Run, runAt?: number): Promise<void> {
    const at = runAt === undefined ? null : new Date(runAt).toISOString();
    await sql`select graphile_worker.add_job(
      ${taskOfKind(run.kind)},
      json_build_object('runId', ${run.id}::text),
      run_at => ${at}::timestamptz,
      job_key => ${run.id}::text,
      job_key_mode => 'replace'
    )`.execute(trx);
  },
};
