import { quoteIdentifier, quoteLiteral, validateIdentifier } from '../../catalog/identifier.js';
import { CsvStreamWriter } from '../../engine/csv-stream-writer.js';
import { LakeError, type ErrorCode } from '../../errors/lake-error.js';
import type { LakeServices } from '../../lake-services.js';
import { RecordStore } from '../../resources/record-store.js';
import { KindRuns } from '../../runs/kind-runs.js';
import { isTerminalStatus, type Run } from '../../runs/run.js';
import type { RunContext } from '../../runs/run-executor.js';
import { runFullLoad } from './full-load.js';
import { MigrationStateStore } from './migration-state-store.js';
import {
  DEFAULT_SETTINGS,
  MIGRATION_TYPES,
  type MigrationSettings,
  type MigrationTask,
  type MigrationType,
  type TableStatus,
} from './migration-task.js';
import {
  deleteMigrationTableStates,
  MIGRATION_TASK_KIND,
  type NewMigrationTask,
} from './migration-task-kind.js';
import { PostgresSource } from './postgres/postgres-source.js';
import { prepareReplication } from './postgres/postgres-replication.js';
import type { ConnectionCheck, Source } from './source.js';
import type { SourceService } from './source-service.js';
import { checkMappings, planTable, selectTables, type TableMappings } from './table-mapping.js';

export interface CreateMigrationTask {
  source: string;
  targetDatabase: string;
  type: MigrationType;
  mappings: TableMappings;
  settings?: Partial<MigrationSettings>;
}

export interface MigrationStatus {
  task: MigrationTask;
  run: Run | null;
  tables: TableStatus[];
}

export interface TableValidation {
  sourceTable: string;
  targetTable: string;
  sourceRows: number;
  lakeRows: number;
  sourceChecksum: string;
  lakeChecksum: string;
  match: boolean;
  /** Keys (JSON arrays) of rows that differ, when the table does not match. */
  sampleKeys: string[];
}

export interface ValidationReport {
  task: string;
  ok: boolean;
  tables: TableValidation[];
}

const CHECK_CODES: Record<ConnectionCheck['check'], ErrorCode> = {
  reachable: 'SOURCE_UNREACHABLE',
  credentials: 'SOURCE_AUTH_FAILED',
  wal_level: 'SOURCE_NOT_READY_FOR_CDC',
  replication_permission: 'SOURCE_PERMISSION_DENIED',
  replication_slots: 'SOURCE_NOT_READY_FOR_CDC',
};

/**
 * Migration tasks (DMS replication tasks): full load and change data capture from a source
 * into a lake database, run as runs of kind `migration`.
 *
 * @example
 * await lake.migrations.create('shop', { source: 'shop', targetDatabase: 'shop', type: 'full-load-and-cdc', mappings: { selection: [{ action: 'include', schema: 'public', table: '%' }] } });
 * const run = await lake.migrations.start('shop');
 * console.log(await lake.migrations.status('shop'));
 */
export class MigrationService {
  readonly #store: MigrationStateStore;
  readonly #tasks: RecordStore<MigrationTask, NewMigrationTask>;
  readonly #runs: KindRuns;

  constructor(
    private readonly services: LakeServices,
    private readonly sources: SourceService,
  ) {
    this.#store = new MigrationStateStore(services.db);
    this.#tasks = new RecordStore(services.db, services.events, MIGRATION_TASK_KIND);
    this.#runs = new KindRuns(services, 'migration', 'migration run');
    services.executor.register('migration', (ctx) => this.#execute(ctx));
  }

  /**
   * Creates a task.
   *
   * @throws LakeError MIGRATION_TASK_EXISTS, SOURCE_NOT_FOUND, INVALID_ARGUMENT (bad rules, a
   *   CDC type on a source without CDC).
   */
  async create(name: string, spec: CreateMigrationTask): Promise<MigrationTask> {
    return this.#tasks.create(
      await this.#checked(validateIdentifier(name, 'migration task name'), spec),
    );
  }

  /**
   * Changes a task's source, target, type, mappings or settings; fields not given keep their
   * values, and so do its latest run and CDC position. Takes effect at its next start.
   *
   * @throws LakeError MIGRATION_TASK_NOT_FOUND, SOURCE_NOT_FOUND, INVALID_ARGUMENT.
   */
  async update(name: string, changes: Partial<CreateMigrationTask>): Promise<MigrationTask> {
    const current = await this.#tasks.get(name);
    return this.#tasks.replace(await this.#checked(current.name, { ...current, ...changes }));
  }

  async #checked(name: string, spec: CreateMigrationTask): Promise<NewMigrationTask> {
    if (!MIGRATION_TYPES.includes(spec.type))
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Unknown migration type "${String(spec.type)}": use ${MIGRATION_TYPES.join(', ')}.`,
      );
    const source = await this.sources.open(spec.source);
    if (spec.type !== 'full-load' && !source.capabilities.supportsCdc)
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Source ${spec.source} (${source.engine}) supports full load only; use --type full-load.`,
      );
    const settings = { ...DEFAULT_SETTINGS, ...(spec.settings ?? {}) };
    for (const [key, value] of Object.entries(settings))
      if (!(typeof value === 'number' && value > 0))
        throw new LakeError('INVALID_ARGUMENT', `Setting ${key} must be a positive number.`);
    return {
      name,
      source: spec.source.toLowerCase(),
      targetDatabase: validateIdentifier(spec.targetDatabase, 'target database'),
      type: spec.type,
      mappings: checkMappings(spec.mappings),
      settings,
    };
  }

  /** @throws LakeError MIGRATION_TASK_NOT_FOUND */
  get(name: string): Promise<MigrationTask> {
    return this.#tasks.get(name);
  }

  list(): Promise<MigrationTask[]> {
    return this.#tasks.list();
  }

  /**
   * Starts the task as a run of kind `migration` (in this process) and returns it queued.
   * A task whose CDC slot already exists resumes from its confirmed position.
   *
   * @throws LakeError MIGRATION_TASK_RUNNING when its latest run has not ended.
   */
  async start(name: string, options: { idempotencyKey?: string } = {}): Promise<Run> {
    const task = await this.#tasks.get(name);
    let run: Run;
    try {
      run = await this.services.executor.submit('migration', {
        name: task.name,
        idempotencyKey: options.idempotencyKey,
        parameters: { task: task.name },
        // Counted in the transaction that records the run: two starts never both pass.
        concurrency: { key: `migration:${task.name}`, limit: 1, refuseWhenFull: true },
      });
    } catch (error) {
      if (!(error instanceof LakeError) || error.code !== 'RUN_CONCURRENCY_LIMIT') throw error;
      const active = (error.details.active ?? []) as string[];
      throw new LakeError(
        'MIGRATION_TASK_RUNNING',
        `Migration task ${task.name} is already running (run ${active[0] ?? '?'}); stop it first.`,
        { cause: error, details: { task: task.name, active } },
      );
    }
    await this.#store.setRunState(task.name, { runId: run.id });
    return run;
  }

  /**
   * Starts the task and waits for its run to end: a full load when it has loaded every
   * table; a task with CDC only once stopped (`stop`, or `cancel` of its run).
   *
   * @example const run = await lake.migrations.run('shop'); // run.metrics.rowsLoaded ...
   * @throws LakeError MIGRATION_TASK_NOT_FOUND, MIGRATION_TASK_RUNNING.
   */
  run(name: string, options: { idempotencyKey?: string } = {}): Promise<Run> {
    return this.#runs.untilEnded(this.start(name, options));
  }

  /**
   * Resolves once the run has ended (a CDC run ends only when stopped).
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (not a migration run).
   */
  wait(runId: string, options: { signal?: AbortSignal } = {}): Promise<Run> {
    return this.#runs.wait(runId, options);
  }

  /**
   * Cancels a migration run by id; for a task, `stop(name)` says the same without the id.
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (not a migration run), RUN_NOT_CANCELLABLE.
   */
  cancel(runId: string): Promise<Run> {
    return this.#runs.cancel(runId);
  }

  /** Stops the task's run (CDC stops after the batch in flight; nothing is lost). */
  async stop(name: string): Promise<Run | null> {
    const task = await this.#tasks.get(name);
    if (!task.runId) return null;
    const run = await this.services.runs.get(task.runId);
    if (isTerminalStatus(run.status)) return run;
    return this.services.executor.cancel(run.id);
  }

  /** The task, its latest run and every table's state, rows, lag and last LSN. */
  async status(name: string): Promise<MigrationStatus> {
    const task = await this.#tasks.get(name);
    const run = task.runId ? await this.services.runs.get(task.runId).catch(() => null) : null;
    return { task, run, tables: await this.#store.tables(task.name) };
  }

  /**
   * Compares each loaded table with its source: row counts and an order-independent
   * checksum over all columns; mismatching tables list sample keys.
   */
  async validate(name: string, options: { sampleSize?: number } = {}): Promise<ValidationReport> {
    const task = await this.#tasks.get(name);
    const source = await this.sources.open(task.source);
    const writer = await this.#writer();
    const tables: TableValidation[] = [];
    for (const status of await this.#store.tables(task.name)) {
      if (status.state === 'error' || status.state === 'pending') continue;
      const table = await source.describeTable({
        schema: status.sourceSchema,
        name: status.sourceTable,
      });
      const plan = planTable(task.mappings, table, quoteIdentifier, quoteLiteral);
      const stream = await source.streamTable(table);
      const comparison = await writer.compare(
        status.targetTable,
        {
          columns: table.columns.map((c) => ({ name: c.name, type: c.lakeType })),
          projection: plan.projection,
          streams: [stream],
        },
        plan.keyColumns,
        options.sampleSize ?? 10,
      );
      tables.push({
        sourceTable: `${status.sourceSchema}.${status.sourceTable}`,
        targetTable: status.targetTable,
        ...comparison,
        match:
          comparison.sourceRows === comparison.lakeRows &&
          comparison.sourceChecksum === comparison.lakeChecksum &&
          comparison.sampleKeys.length === 0,
      });
    }
    return { task: task.name, ok: tables.every((t) => t.match), tables };
  }

  /**
   * Deletes the task, its table states, and its replication slot and publication; its lake
   * tables stay. Creating and starting it again loads every table afresh (how a stopped
   * table is reloaded).
   *
   * @throws LakeError MIGRATION_TASK_RUNNING when its latest run has not ended.
   */
  async delete(name: string): Promise<void> {
    const task = await this.#tasks.get(name);
    if (task.runId) {
      const run = await this.services.runs.get(task.runId).catch(() => undefined);
      if (run && !isTerminalStatus(run.status))
        throw new LakeError(
          'MIGRATION_TASK_RUNNING',
          `Migration task ${task.name} is running (run ${run.id}); stop it first (lakebox migrate stop ${task.name}).`,
        );
    }
    const source = await this.sources.open(task.source);
    if (task.type !== 'full-load' && source instanceof PostgresSource) {
      const { dropReplication } = await import('./postgres/postgres-replication.js');
      await dropReplication(source, task.name);
    }
    await this.#tasks.delete(task.name, deleteMigrationTableStates);
  }

  async #execute(
    ctx: RunContext,
  ): Promise<{ status: 'succeeded' | 'succeeded_with_errors'; metrics: Record<string, number> }> {
    const task = await this.#tasks.get(String(ctx.parameters['task']));
    const source = await this.sources.open(task.source);
    const writer = await this.#writer();
    const refs = selectTables(task.mappings, await source.listTables());
    if (refs.length === 0)
      throw new LakeError(
        'INVALID_ARGUMENT',
        `The selection rules of ${task.name} match no table of source ${task.source}.`,
      );
    await ctx.info(
      `${task.type} of ${refs.length} table(s) from ${task.source} into ${task.targetDatabase}`,
    );
    const cdc = task.type !== 'full-load';
    let snapshot: string | undefined;
    let releaseSnapshot = async () => {};
    let tables = refs;
    let fullLoad = task.type !== 'cdc';
    if (cdc) {
      if (!(source instanceof PostgresSource))
        throw new LakeError('INVALID_ARGUMENT', `Source ${task.source} has no CDC.`);
      const failed = (await source.testConnection({ cdc: true })).find((c) => !c.ok);
      if (failed) throw new LakeError(CHECK_CODES[failed.check], failed.message);
      const prepared = await prepareReplication(source, task, refs, this.#store, fullLoad);
      tables = prepared.tables;
      snapshot = prepared.snapshot;
      releaseSnapshot = prepared.releaseSnapshot;
      // A slot that already existed: its changes follow the full load done before.
      if (prepared.resumed) fullLoad = false;
    } else if (source.capabilities.supportsSnapshots && source instanceof PostgresSource) {
      const exported = await source.exportSnapshot();
      snapshot = exported.id;
      releaseSnapshot = exported.release;
    }
    const metrics: Record<string, number> = {};
    try {
      if (fullLoad) {
        Object.assign(
          metrics,
          await runFullLoad(
            this.services,
            ctx,
            task,
            source,
            tables,
            this.#store,
            writer,
            snapshot,
          ),
        );
      }
    } finally {
      await releaseSnapshot();
    }
    if (cdc) {
      // With pg-logical-replication and pg, on first use.
      const { runCdc } = await import('./cdc-replication.js');
      await runCdc(this.services, ctx, task, source as PostgresSource, this.#store, writer);
    }
    const states = await this.#store.tables(task.name);
    return {
      status: states.some((t) => t.state === 'error' || t.rowsRejected > 0)
        ? 'succeeded_with_errors'
        : 'succeeded',
      metrics,
    };
  }

  async #writer(): Promise<CsvStreamWriter> {
    return new CsvStreamWriter(
      await this.services.engine(),
      this.services.catalog,
      this.services.store,
      await this.services.workDir('migrate-staging'),
      await this.services.queries(),
    );
  }
}

export type { Source };
