import { runMigrations, type Logger } from 'graphile-worker';
import { sql, type Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import type { Run } from './run.js';
import type { RunDispatch } from './run-dispatch.js';

/** The graphile-worker task that carries runs of `kind`: workers fetch only kinds they serve. */
export function taskOfKind(kind: string): string {
  return `lakebox.${kind}`;
}

/**
 * Dispatch through graphile-worker: a queued run becomes a job in the same PostgreSQL
 * transaction (`graphile_worker.add_job`, whose NOTIFY wakes an idle worker at once). The
 * job carries only the run id; `lb_run` stays the record of the run. A run with a
 * concurrency key has its id as job key, so offered again (its key busy, then freed) it
 * still has one job.
 * The job's own attempts (graphile's default) cover a worker that failed to reach the
 * metadata database; a claim of a run that has moved on is a no-op.
 */
export const graphileDispatch: RunDispatch = {
  async dispatch(trx: Kysely<MetaSchema>, run: Run, runAt?: number): Promise<void> {
    const at = runAt === undefined ? null : new Date(runAt).toISOString();
    // Only a run with a concurrency key is ever offered again (busy, or its key freed); the
    // others are offered once and need no job key, which add_job would have to look up.
    const key = run.concurrency === null ? null : run.id;
    await sql`select graphile_worker.add_job(
      ${taskOfKind(run.kind)},
      json_build_object('runId', ${run.id}::text),
      run_at => ${at}::timestamptz,
      job_key => ${key}::text,
      job_key_mode => 'replace'
    )`.execute(trx);
  },
};

/** An arbitrary constant: the advisory lock that serialises installing graphile's schema. */
const INSTALL_LOCK = 7_311_042_001;

/**
 * Installs (or upgrades) graphile-worker's schema. Its own migration races when several
 * processes start at once on a fresh database, so it runs under a session advisory lock.
 */
export async function installGraphile(
  db: Kysely<MetaSchema>,
  connectionString: string,
  logger: Logger,
): Promise<void> {
  await db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${INSTALL_LOCK})`.execute(connection);
    try {
      await runMigrations({ connectionString, logger });
    } finally {
      await sql`select pg_advisory_unlock(${INSTALL_LOCK})`.execute(connection);
    }
  });
}
