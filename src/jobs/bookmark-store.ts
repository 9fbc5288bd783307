import type { Kysely, Transaction } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';

/** Where a job's bookmark stands for one input table. */
export interface BookmarkPosition {
  inputTable: string;
  tableId: number;
  /** Managed inputs: the snapshot read up to; the next run reads files added after it. */
  snapshotId: number | null;
  /** External inputs: how many distinct files have been consumed (a replaced file counts once). */
  filesConsumed: number;
  /** The run that last moved it. */
  runId: string;
  updatedAt: Date;
}

/** What one run consumed of one input, recorded with its output commit. */
export interface ConsumedInput {
  inputTable: string;
  tableId: number;
  snapshotId: number | null;
  /** External inputs: the files this run read (those not consumed before). */
  files: string[];
}

const ROWS_PER_INSERT = 500;

/**
 * Job bookmarks as a log: each successful run appends what it consumed of each input, in
 * the transaction of its output commit, so a run that dies before the commit leaves the
 * bookmark where the last successful run left it. Reset deletes the log; rewind deletes
 * its newest runs.
 */
export class BookmarkStore {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  /** The current position per input table. */
  async positions(jobName: string): Promise<BookmarkPosition[]> {
    const entries = await this.db
      .selectFrom('lb_job_bookmark_entry')
      .selectAll()
      .where('job_name', '=', jobName)
      .orderBy('entry_id', 'desc')
      .execute();
    const latest = new Map<number, (typeof entries)[number]>();
    for (const entry of entries) if (!latest.has(entry.table_id)) latest.set(entry.table_id, entry);
    const counts = await this.db
      .selectFrom('lb_job_bookmark_file')
      .select(['table_id', (eb) => eb.fn.count<number | string>('path').distinct().as('n')])
      .where('job_name', '=', jobName)
      .groupBy('table_id')
      .execute();
    const files = new Map(counts.map((c) => [Number(c.table_id), Number(c.n)]));
    return [...latest.values()].map((entry) => ({
      inputTable: entry.input_table,
      tableId: entry.table_id,
      snapshotId: entry.snapshot_id,
      filesConsumed: files.get(entry.table_id) ?? 0,
      runId: entry.run_id,
      updatedAt: new Date(entry.created_at),
    }));
  }

  /** The snapshot a managed input was read up to, or null when never read. */
  async snapshotOf(jobName: string, tableId: number): Promise<number | null> {
    const row = await this.db
      .selectFrom('lb_job_bookmark_entry')
      .select('snapshot_id')
      .where('job_name', '=', jobName)
      .where('table_id', '=', tableId)
      .orderBy('entry_id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.snapshot_id ?? null;
  }

  /**
   * Where every job's bookmark stands on one table: the distinct snapshots read up to, in
   * order. Compaction keeps the rows on either side of each apart (see compactTable).
   */
  async positionsOn(tableId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('lb_job_bookmark_entry')
      .select(['job_name', 'snapshot_id'])
      .where('table_id', '=', tableId)
      .orderBy('entry_id', 'desc')
      .execute();
    const latest = new Map<string, number | null>();
    for (const row of rows)
      if (!latest.has(row.job_name)) latest.set(row.job_name, row.snapshot_id);
    const positions = new Set<number>();
    for (const id of latest.values()) if (id !== null) positions.add(Number(id));
    return [...positions].sort((a, b) => a - b);
  }

  /** The files of an external input consumed so far. */
  async consumedFiles(jobName: string, tableId: number): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('lb_job_bookmark_file')
      .select('path')
      .where('job_name', '=', jobName)
      .where('table_id', '=', tableId)
      .execute();
    return new Set(rows.map((r) => r.path));
  }

  /** Appends what a run consumed; call inside the output commit's transaction. */
  async record(
    trx: Transaction<MetaSchema>,
    jobName: string,
    runId: string,
    consumed: ConsumedInput[],
  ): Promise<void> {
    for (const input of consumed) {
      const { entry_id } = await trx
        .insertInto('lb_job_bookmark_entry')
        .values({
          job_name: jobName,
          run_id: runId,
          input_table: input.inputTable,
          table_id: input.tableId,
          snapshot_id: input.snapshotId,
          created_at: Date.now(),
        })
        .returning('entry_id')
        .executeTakeFirstOrThrow();
      for (let i = 0; i < input.files.length; i += ROWS_PER_INSERT) {
        await trx
          .insertInto('lb_job_bookmark_file')
          .values(
            input.files.slice(i, i + ROWS_PER_INSERT).map((path) => ({
              entry_id,
              job_name: jobName,
              table_id: input.tableId,
              path,
            })),
          )
          .execute();
      }
    }
  }

  /** Forgets everything: the next run reads its inputs whole. */
  async reset(jobName: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('lb_job_bookmark_file').where('job_name', '=', jobName).execute();
      await trx.deleteFrom('lb_job_bookmark_entry').where('job_name', '=', jobName).execute();
    });
  }

  /**
   * Moves the bookmark back: to where it stood after run `toRun`, or by `runs` successful
   * runs (1 unless told). Returns the runs whose consumption was forgotten, newest first.
   */
  async rewind(jobName: string, to: { runs?: number; toRun?: string }): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      const entries = await trx
        .selectFrom('lb_job_bookmark_entry')
        .select(['entry_id', 'run_id'])
        .where('job_name', '=', jobName)
        .orderBy('entry_id', 'desc')
        .execute();
      const runs: string[] = [];
      for (const entry of entries) if (!runs.includes(entry.run_id)) runs.push(entry.run_id);
      let forget: string[];
      if (to.toRun !== undefined) {
        const index = runs.indexOf(to.toRun);
        if (index < 0) return [];
        forget = runs.slice(0, index);
      } else {
        forget = runs.slice(0, Math.max(0, to.runs ?? 1));
      }
      const ids = entries.filter((e) => forget.includes(e.run_id)).map((e) => e.entry_id);
      for (let i = 0; i < ids.length; i += ROWS_PER_INSERT) {
        const batch = ids.slice(i, i + ROWS_PER_INSERT);
        await trx.deleteFrom('lb_job_bookmark_file').where('entry_id', 'in', batch).execute();
        await trx.deleteFrom('lb_job_bookmark_entry').where('entry_id', 'in', batch).execute();
      }
      return forget;
    });
  }

  /** Runs whose consumption is on record, newest first (the points rewind can go back to). */
  async runs(jobName: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('lb_job_bookmark_entry')
      .select(['run_id', (eb) => eb.fn.max('entry_id').as('last')])
      .where('job_name', '=', jobName)
      .groupBy('run_id')
      .orderBy('last', 'desc')
      .execute();
    return rows.map((r) => r.run_id);
  }
}

/** Deletes a job's bookmark with the job, in the transaction of its record's delete. */
export async function deleteBookmarks(
  trx: Transaction<MetaSchema>,
  jobName: string,
): Promise<void> {
  await trx.deleteFrom('lb_job_bookmark_file').where('job_name', '=', jobName).execute();
  await trx.deleteFrom('lb_job_bookmark_entry').where('job_name', '=', jobName).execute();
}
