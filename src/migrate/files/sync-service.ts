import { LakeError } from '../../errors/lake-error.js';
import type { LakeServices } from '../../lake-services.js';
import { RecordStore } from '../../resources/record-store.js';
import { KindRuns } from '../../runs/kind-runs.js';
import { isTerminalStatus, type Run } from '../../runs/run.js';
import { executeSync, type SyncHooks, type SyncRunParameters } from './sync-execution.js';
import { parseLocation } from './sync-location.js';
import { checkSchedule } from '../../runs/schedule.js';
import { checkGlobs, syncOptions } from './sync-options.js';
import { SYNC_TASK_KIND, type NewSyncTask } from './sync-task-kind.js';
import type {
  SyncExecution,
  SyncOutcome,
  SyncPhase,
  SyncReportEntry,
  SyncTask,
  SyncTaskSpec,
} from './sync-types.js';

export const SYNC_RUN_KIND = 'sync';

export interface SyncReportQuery {
  /** Only lines with this outcome, e.g. `failed`. */
  outcome?: SyncOutcome;
  /** Lines after this sequence number, to page. */
  after?: number;
  /** At most this many; 1000 unless told. */
  limit?: number;
}

/**
 * A sync is incremental and idempotent (the next attempt copies only what is not there yet),
 * so one lost with its worker, or failed by a transient error, is tried again this often.
 */
const SYNC_ATTEMPTS = 3;

/**
 * File migration (the DataSync part of the lake): sync tasks move file trees from local
 * directories, S3 prefixes or the lake into the lake (or out of it), incrementally and
 * verified. Each execution is a run of kind `sync` with live progress and a per-file report.
 *
 * @example
 * await lake.sync.createTask('invoices', { from: '/mnt/share/invoices', to: 'lake://raw/invoices' });
 * const execution = await lake.sync.wait((await lake.sync.start('invoices')).id);
 * console.log(execution.filesTransferred, execution.status);
 */
export class SyncService {
  readonly #services: LakeServices;
  readonly #tasks: RecordStore<SyncTask, NewSyncTask>;
  readonly #runs: KindRuns;

  constructor(services: LakeServices, hooks: SyncHooks = {}) {
    this.#services = services;
    this.#tasks = new RecordStore(services.db, services.events, SYNC_TASK_KIND);
    this.#runs = new KindRuns(services, SYNC_RUN_KIND, 'sync execution');
    services.executor.register(SYNC_RUN_KIND, (ctx) => executeSync(services, ctx, hooks));
  }

  /**
   * Records a sync task. Locations are checked now; S3 secrets must be `${env:NAME}` references.
   *
   * @example await lake.sync.createTask('logs', { from: 's3://logs/2026', to: 'lake://raw/logs', s3: { endpoint: 'http://minio:9000' } });
   * @throws LakeError SYNC_TASK_EXISTS, INVALID_ARGUMENT (a bad location, glob, option or schedule).
   */
  async createTask(name: string, spec: SyncTaskSpec): Promise<SyncTask> {
    return this.#tasks.create({ name, ...this.#resolve(spec) });
  }

  /** @throws LakeError SYNC_TASK_NOT_FOUND. */
  async getTask(name: string): Promise<SyncTask> {
    return this.#tasks.get(name);
  }

  /**
   * Changes a sync task; fields not given keep their values. Locations are checked again.
   *
   * @example await lake.sync.updateTask('logs', { options: { verify: 'all' }, schedule: '0 2 * * *' });
   * @throws LakeError SYNC_TASK_NOT_FOUND, INVALID_ARGUMENT.
   */
  async updateTask(name: string, changes: Partial<SyncTaskSpec>): Promise<SyncTask> {
    const current = await this.#tasks.get(name);
    const spec: SyncTaskSpec = {
      from: current.source,
      to: current.destination,
      include: current.include,
      exclude: current.exclude,
      options: current.options,
      schedule: current.schedule,
      ...changes,
    };
    return this.#tasks.replace({ name: current.name, ...this.#resolve(spec) });
  }

  /** Every sync task, by name. */
  async listTasks(): Promise<SyncTask[]> {
    return this.#tasks.list();
  }

  /** Deletes a task record; its executions and reports stay. @throws LakeError SYNC_TASK_NOT_FOUND. */
  async deleteTask(name: string): Promise<void> {
    await this.#tasks.delete(name);
  }

  /**
   * Starts an execution of a task and returns it queued; `wait` follows it to its end. Starting
   * a task again after a crash or a cancel moves only what is missing or changed.
   *
   * @example const run = await lake.sync.start('invoices');
   * `idempotencyKey` makes a repeated start return the first one's run (see SubmitOptions).
   *
   * @throws LakeError SYNC_TASK_NOT_FOUND.
   */
  async start(name: string, options: { idempotencyKey?: string } = {}): Promise<Run> {
    const task = await this.#tasks.get(name);
    return this.#submit(task.name, options.idempotencyKey, {
      task: task.name,
      source: task.source,
      destination: task.destination,
      include: task.include,
      exclude: task.exclude,
      options: task.options,
    });
  }

  /**
   * Starts an execution of a task and waits for it to end.
   *
   * @example const execution = await lake.sync.startCopy('invoices'); // execution.filesTransferred ...
   * @throws LakeError SYNC_TASK_NOT_FOUND.
   */
  async run(name: string, options: { idempotencyKey?: string } = {}): Promise<SyncExecution> {
    return toExecution(await this.#runs.untilEnded(this.start(name, options)));
  }

  /**
   * Starts a one-shot execution without a task record (`lakebox sync run --from --to`) and
   * returns it queued. Runs between the same two places share what they know, so a repeat is
   * incremental.
   *
   * @example const run = await lake.sync.startCopy({ from: './data', to: 'lake://raw/data' });
   * @throws LakeError INVALID_ARGUMENT.
   */
  async startCopy(spec: SyncTaskSpec): Promise<Run> {
    const { schedule: _schedule, ...resolved } = this.#resolve(spec);
    return this.#submit(null, undefined, { task: null, ...resolved });
  }

  /**
   * A one-shot execution (see `startCopy`), waited for.
   *
   * @example const execution = await lake.sync.copy({ from: './data', to: 'lake://raw/data' });
   * @throws LakeError INVALID_ARGUMENT.
   */
  async copy(spec: SyncTaskSpec): Promise<SyncExecution> {
    return toExecution(await this.#runs.untilEnded(this.startCopy(spec)));
  }

  /**
   * Waits for an execution to end and returns it.
   *
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT when the run is not a sync execution.
   */
  async wait(executionId: string, options: { signal?: AbortSignal } = {}): Promise<SyncExecution> {
    return toExecution(await this.#runs.wait(executionId, options));
  }

  /**
   * An execution as it stands: status, phase, counters, throughput and ETA.
   *
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT when the run is not a sync execution.
   */
  async status(executionId: string): Promise<SyncExecution> {
    return toExecution(await this.#runs.get(executionId));
  }

  /**
   * Cancels an execution; files in flight are abandoned (never left partial) and starting the
   * task again resumes. @throws LakeError RUN_NOT_FOUND, RUN_NOT_CANCELLABLE.
   */
  async cancel(executionId: string): Promise<SyncExecution> {
    return toExecution(await this.#runs.cancel(executionId));
  }

  /**
   * The execution's per-file report in order: transferred, skipped (and why), failed (and
   * why), deleted and verify failures. Unchanged files are counted, not listed.
   *
   * @example const failures = await lake.sync.report(id, { outcome: 'failed' });
   * @throws LakeError RUN_NOT_FOUND.
   */
  async report(executionId: string, query: SyncReportQuery = {}): Promise<SyncReportEntry[]> {
    await this.status(executionId);
    let select = this.#services.db
      .selectFrom('lb_sync_report')
      .selectAll()
      .where('run_id', '=', executionId);
    if (query.outcome) select = select.where('outcome', '=', query.outcome);
    if (query.after !== undefined) select = select.where('seq', '>', query.after);
    const rows = await select
      .orderBy('seq')
      .limit(query.limit ?? 1000)
      .execute();
    return rows.map((row) => ({
      seq: row.seq,
      path: row.path,
      outcome: row.outcome as SyncOutcome,
      bytes: Number(row.bytes),
      code: row.code,
      message: row.message,
    }));
  }

  #resolve(spec: SyncTaskSpec): Omit<SyncTask, 'id' | 'name' | 'createdAt' | 'updatedAt'> {
    if (!spec || spec.from === undefined || spec.to === undefined) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        'A sync needs a source (from) and a destination (to).',
      );
    }
    const source = parseLocation(spec.from, spec.s3);
    const destination = parseLocation(spec.to, spec.s3);
    if (source.type === 'local' && destination.type === 'local') {
      const [a, b] = [source.path, destination.path];
      if (a === b || b.startsWith(`${a}/`) || a.startsWith(`${b}/`)) {
        throw new LakeError(
          'INVALID_ARGUMENT',
          `The source ${a} and the destination ${b} overlap; sync between separate directories.`,
        );
      }
    }
    return {
      source,
      destination,
      include: checkGlobs('include', spec.include),
      exclude: checkGlobs('exclude', spec.exclude),
      options: syncOptions(spec.options),
      schedule: checkSchedule(spec.schedule),
    };
  }

  async #submit(
    task: string | null,
    idempotencyKey: string | undefined,
    parameters: SyncRunParameters,
  ): Promise<Run> {
    return this.#services.executor.submit(SYNC_RUN_KIND, {
      name: task ?? undefined,
      idempotencyKey,
      parameters: parameters as unknown as Record<string, unknown>,
      maxAttempts: SYNC_ATTEMPTS,
    });
  }
}

/** A run of kind `sync` as an execution: its status plus the counters it published. */
export function toExecution(run: Run): SyncExecution {
  const m = run.metrics;
  const phase: SyncPhase = isTerminalStatus(run.status)
    ? 'done'
    : run.status === 'queued'
      ? 'queued'
      : ((run.progress?.phase as SyncPhase | undefined) ?? 'listing');
  const count = (name: string) => m[name] ?? 0;
  return {
    id: run.id,
    task: (run.parameters['task'] as string | null | undefined) ?? null,
    status: run.status,
    phase,
    filesFound: count('filesFound'),
    bytesFound: count('bytesFound'),
    filesTransferred: count('filesTransferred'),
    bytesTransferred: count('bytesTransferred'),
    filesSkipped: count('filesSkipped'),
    bytesSkipped: count('bytesSkipped'),
    filesFailed: count('filesFailed'),
    filesDeleted: count('filesDeleted'),
    filesVerified: count('filesVerified'),
    bytesPerSecond: count('bytesPerSecond'),
    etaSeconds: phase === 'transferring' && m['etaSeconds'] !== undefined ? m['etaSeconds'] : null,
    error: run.error,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
  };
}
