import { parseTableName } from '../catalog/identifier.js';
import { LakeError } from '../errors/lake-error.js';
import type { LakeServices } from '../lake-services.js';
import { RecordStore } from '../resources/record-store.js';
import { KindRuns } from '../runs/kind-runs.js';
import type { Run, RunLogEntry } from '../runs/run.js';
import { BookmarkStore, deleteBookmarks, type BookmarkPosition } from './bookmark-store.js';
import { checkParameters } from './job-parameters.js';
import { JOB_KIND } from './job-kind.js';
import { runJob, type JobHooks } from './job-run.js';
import { jobDefinition, type JobDefinition } from './job-spec.js';
import type { Job, JobSpec, StartJobOptions } from './job-types.js';
import type { QualityGate } from './quality-gate.js';
import { registerMaintenanceRuns } from './table-maintenance.js';
import { storeUserModule } from '../user-code/bundle-module.js';
import { TRANSFORM_MODULE } from './transform-module-kind.js';

export interface JobServiceOptions {
  /** Evaluates a job's ruleset before its commit; jobs with a gate fail without it. */
  qualityGate?: QualityGate;
  /** For tests: step into runs (crash or race before a commit). */
  hooks?: JobHooks;
}

export interface CompactTableOptions {
  /** Files below this size are merged (default 64 MiB). */
  smallFileBytes?: number;
  /** Only partitions with at least this many small files (default 2). */
  minFiles?: number;
}

/**
 * ETL jobs (the Glue job part): SQL or TypeScript transforms from lake tables into a table,
 * run as runs of kind `job`, with bookmarks; and table maintenance (compact, expire, vacuum)
 * as runs.
 *
 * @example
 * await lake.jobs.create('daily_sales', {
 *   sql: 'select day, sum(amount) as total from sales.orders where day >= ${since}::date group by day',
 *   target: 'curated.daily_sales', mode: 'overwrite-partitions', partitionBy: ['day'],
 *   parameters: { since: '2026-01-01' },
 * });
 * const run = await lake.jobs.run('daily_sales', { parameters: { since: '2026-02-01' } });
 */
export class JobService {
  readonly #services: LakeServices;
  readonly #jobs: RecordStore<Job, JobDefinition>;
  readonly #bookmarks: BookmarkStore;
  readonly #runs: KindRuns;

  constructor(services: LakeServices, options: JobServiceOptions = {}) {
    this.#services = services;
    this.#jobs = new RecordStore(services.db, services.events, JOB_KIND);
    this.#bookmarks = new BookmarkStore(services.db);
    this.#runs = new KindRuns(services, 'job', 'job run');
    services.executor.register('job', async (ctx) => {
      const job = await this.#jobs.get(String(ctx.parameters['job']));
      return runJob(
        {
          services,
          bookmarks: this.#bookmarks,
          qualityGate: options.qualityGate,
          hooks: options.hooks,
        },
        job,
        ctx,
      );
    });
    registerMaintenanceRuns(services);
  }

  /**
   * Creates (or with `replace`, replaces) a job. A TypeScript module is bundled with esbuild
   * now and stored in the `artifacts` zone, so later edits to the file change nothing until
   * the job is created again.
   *
   * @example await lake.jobs.create('clean_orders', { module: './clean.ts', inputs: ['raw.orders'], target: 'sales.orders', bookmarks: true });
   * @throws LakeError JOB_EXISTS, INVALID_ARGUMENT, FILE_NOT_FOUND, TRANSFORM_BUILD_FAILED.
   */
  async create(name: string, spec: JobSpec): Promise<Job> {
    const definition = jobDefinition(name, spec);
    if (!spec.replace && (await this.#jobs.find(definition.name))) {
      throw new LakeError(
        'JOB_EXISTS',
        `Job ${definition.name} already exists; pick another name or replace it (--replace).`,
      );
    }
    if (spec.module !== undefined)
      definition.artifact = await storeUserModule(
        this.#services.store,
        TRANSFORM_MODULE,
        definition.name,
        spec.module,
      );
    return this.#jobs.save(definition, spec.replace ?? false);
  }

  /** @throws LakeError JOB_NOT_FOUND, naming close matches. */
  get(name: string): Promise<Job> {
    return this.#jobs.get(name);
  }

  list(): Promise<Job[]> {
    return this.#jobs.list();
  }

  /** Deletes a job and its bookmark; its runs stay on record. */
  delete(name: string): Promise<void> {
    return this.#jobs.delete(name, deleteBookmarks);
  }

  /**
   * Queues a run of the job and returns it at once.
   *
   * @throws LakeError JOB_NOT_FOUND; JOB_CONCURRENCY_LIMIT when the job already has
   *   `maxConcurrentRuns` runs queued or running.
   */
  async start(name: string, options: StartJobOptions = {}): Promise<Run> {
    const job = await this.#jobs.get(name);
    const parameters = checkParameters(options.parameters ?? {});
    try {
      return await this.#services.executor.submit('job', {
        name: job.name,
        idempotencyKey: options.idempotencyKey,
        parameters: { job: job.name, parameters },
        maxAttempts: job.maxRetries + 1,
        // Counted in the transaction that records the run: two starts never both pass.
        concurrency: { key: `job:${job.name}`, limit: job.maxConcurrentRuns, refuseWhenFull: true },
      });
    } catch (error) {
      if (!(error instanceof LakeError) || error.code !== 'RUN_CONCURRENCY_LIMIT') throw error;
      const active = (error.details.active ?? []) as string[];
      throw new LakeError(
        'JOB_CONCURRENCY_LIMIT',
        `Job ${job.name} already has ${active.length} run(s) queued or running (its limit is ${job.maxConcurrentRuns}); wait for ${active[0] ?? 'them'} or raise maxConcurrentRuns.`,
        { transient: true, details: { job: job.name, active }, cause: error },
      );
    }
  }

  /**
   * Runs the job and resolves with its final run (after retries): `succeeded`, or `failed`
   * with the error recorded; never throws for a failed run.
   *
   * @example const run = await lake.jobs.run('daily_sales'); console.log(run.status, run.metrics);
   */
  async run(name: string, options: StartJobOptions = {}): Promise<Run> {
    return this.#runs.untilEnded(this.start(name, options));
  }

  /**
   * Resolves with a job run once it has ended (its last attempt, after retries).
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (not a job run).
   */
  wait(runId: string, options: { signal?: AbortSignal } = {}): Promise<Run> {
    return this.#runs.wait(runId, options);
  }

  /**
   * Cancels a job run; it commits nothing it had not committed (one commit per run).
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (not a job run), RUN_NOT_CANCELLABLE.
   */
  cancel(runId: string): Promise<Run> {
    return this.#runs.cancel(runId);
  }

  /** The job's runs, newest first. */
  async runs(name: string, options: { limit?: number } = {}): Promise<Run[]> {
    const job = await this.#jobs.get(name);
    return this.#services.runs.list({ kind: 'job', name: job.name, limit: options.limit });
  }

  /** A run's log lines. @throws LakeError RUN_NOT_FOUND */
  async logs(
    runId: string,
    options: { after?: number; limit?: number } = {},
  ): Promise<RunLogEntry[]> {
    await this.#services.runs.get(runId);
    return this.#services.runs.logs(runId, options);
  }

  /** Where the job's bookmark stands per input table (empty: the next run reads everything). */
  async bookmark(name: string): Promise<BookmarkPosition[]> {
    return this.#bookmarks.positions((await this.#jobs.get(name)).name);
  }

  /** Forgets the bookmark: the next run reads its inputs whole. */
  async resetBookmark(name: string): Promise<void> {
    await this.#bookmarks.reset((await this.#jobs.get(name)).name);
  }

  /**
   * Moves the bookmark back by `runs` successful runs (default 1), or to where it stood
   * after run `toRun`; the next run reads again what those runs read. Returns the runs
   * whose consumption was forgotten.
   *
   * @throws LakeError RUN_NOT_FOUND when `toRun` is not a run on the job's bookmark.
   */
  async rewindBookmark(
    name: string,
    options: { runs?: number; toRun?: string } = {},
  ): Promise<string[]> {
    const job = await this.#jobs.get(name);
    if (
      options.toRun !== undefined &&
      !(await this.#bookmarks.runs(job.name)).includes(options.toRun)
    ) {
      throw new LakeError(
        'RUN_NOT_FOUND',
        `Run ${options.toRun} is not on job ${job.name}'s bookmark; see lakebox job bookmark ${job.name}.`,
      );
    }
    return this.#bookmarks.rewind(job.name, options);
  }

  /** Merges small files per partition of a managed table, as a `compact` run (waited for). */
  async compact(table: string, options: CompactTableOptions = {}): Promise<Run> {
    return this.#submitAndWait('compact', table, { ...options });
  }

  /**
   * Marks the table's snapshots older than `olderThan` expired (keeping the current one and
   * the newest `retainLast`), as an `expire-snapshots` run; `vacuum` then deletes the files
   * only they referenced.
   */
  async expireSnapshots(
    table: string,
    options: { olderThan: Date; retainLast?: number },
  ): Promise<Run> {
    return this.#submitAndWait('expire-snapshots', table, {
      olderThan: options.olderThan.getTime(),
      retainLast: options.retainLast,
    });
  }

  /** Vacuums one table (files no live snapshot references), as a `vacuum` run. */
  async vacuumTable(
    table: string,
    options: { graceMs?: number; dryRun?: boolean } = {},
  ): Promise<Run> {
    return this.#submitAndWait('vacuum', table, { ...options });
  }

  async #submitAndWait(
    kind: string,
    table: string,
    parameters: Record<string, unknown>,
  ): Promise<Run> {
    const found = await this.#services.catalog.getTable(table);
    parseTableName(found.fullName);
    const run = await this.#services.executor.submit(kind, {
      name: found.fullName,
      parameters: { table: found.fullName, ...parameters },
    });
    return this.#services.executor.wait(run.id);
  }
}
