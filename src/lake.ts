import { sql } from 'kysely';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type {
  Catalog as CatalogType,
  CreateDatabaseOptions,
  CreateTableOptions,
  PartitionInfo,
} from './catalog/catalog.js';
import { Catalog } from './catalog/catalog.js';
import {
  ZONES,
  type AsOf,
  type Database,
  type DataFile,
  type Snapshot,
  type Table,
  type TableSchema,
} from './catalog/catalog-types.js';
import { vacuumTables, type VacuumResult } from './catalog/vacuum.js';
import {
  CONFIG_FILE,
  type EngineSettings,
  type LakeConfig,
  type StorageConfig,
} from './config/lake-config.js';
import { CreatedPaths } from './created-paths.js';
import { checkNoLiteralPassword } from './config/database-url-secret.js';
import { CrawlerService } from './crawl/crawler-service.js';
import { loadConfig, resolveConfig } from './config/load-config.js';
import { parseTableName } from './catalog/identifier.js';
import { DuckEngine } from './engine/duck-engine.js';
import { checkLocalFiles } from './engine/check-local-files.js';
import type { QueryResult } from './engine/query-result.js';
import type { QueryStream } from './engine/query-stream.js';
import type { QueryRunner, QueryOptions } from './engine/query-runner.js';
import type { TableWriter, WriteOptions, WriteResult } from './engine/table-writer.js';
import type { FileFormat, WriteSource } from './engine/write-source.js';
import { LakeError } from './errors/lake-error.js';
import { EventBatcher } from './events/event-batcher.js';
import { EventLog, type EventQuery, type LakeEvent } from './events/event-log.js';
import { EventService } from './events/event-service.js';
import { claimLakeIdentity, newLakeId } from './meta/lake-identity.js';
import { openMetaDb, type MetaDb } from './meta/meta-db.js';
import { dialectFor } from './meta/dialects/dialect-for.js';
import type { LakeServices } from './lake-services.js';
import { removeLocalLeftovers } from './local-leftovers.js';
import { SyncService } from './migrate/files/sync-service.js';
import { MigrationService } from './migrate/db/migration-service.js';
import { SourceService } from './migrate/db/source-service.js';
import { QualityService } from './quality/quality-service.js';
import { JobService } from './jobs/job-service.js';
import { MlService } from './ml/ml-service.js';
import { TokenService } from './tokens/token-service.js';
import { FunctionService } from './functions/function-service.js';
import { TriggerService } from './triggers/trigger-service.js';
import { triggerTargets } from './trigger-targets.js';
import { qualityGateOver } from './quality-gate-adapter.js';
import { EndpointService } from './serving/endpoint-service.js';
import { servingModelsOver } from './serving-models-adapter.js';
import type { DistributedExecutor, StopOptions, WorkOptions } from './runs/distributed-executor.js';
import { LocalExecutor } from './runs/local-executor.js';
import type { Run } from './runs/run.js';
import type { RunExecutor } from './runs/run-executor.js';
import { RunService } from './runs/run-service.js';
import { RunStore } from './runs/run-store.js';
import { WorkerRegistry } from './runs/worker-registry.js';
import { LeaderLock } from './runs/leader-lock.js';
import { newWorkerId } from './runs/local-worker.js';
import { Scheduler, type SchedulerOptions } from './runs/scheduler.js';
import { describeSchedules, scheduledResources, type ScheduleInfo } from './scheduled-resources.js';
import { ObjectEvents, type WatchObjectsOptions } from './events/object-scan/object-events.js';
import type { ObjectScanCounts } from './events/object-scan/object-scanner.js';
import type { ObjectWatcher } from './events/object-scan/object-watcher.js';
import { GuardedStore } from './storage/guarded-store.js';
import type { ObjectStore } from './storage/object-store.js';
import { openObjectStore } from './storage/open-store.js';
import { ReadCache } from './storage/read-cache.js';

export interface InitOptions {
  storage?: StorageConfig;
  metadata?: LakeConfig['metadata'];
  engine?: EngineSettings;
}

export interface OpenOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Performs the lake's runs instead of an executor of its own: a Lake opened inside a
   * function's worker thread hands them to its host (see functions/host-executor.ts).
   */
  executor?: RunExecutor;
}

export interface TableDescription {
  table: Table;
  schema: TableSchema;
  snapshot: Snapshot | null;
  partitions: PartitionInfo[];
}

export interface LoadOptions extends Omit<WriteOptions, 'beforeCommit'> {
  format?: FileFormat;
}

const WORK_DIR = '.lakebox';
/** An arbitrary constant: the advisory lock of the one scheduling `lakebox serve`. */
const SCHEDULER_LOCK = 7_311_042_014;

/** A running `lake.work()`: stop it to drain (or hand back) its runs and leave the registry. */
export interface LakeWorker {
  /** `host:pid`, as recorded on the runs it claims. */
  readonly id: string;
  readonly kinds: readonly string[];
  stop(options?: StopOptions): Promise<void>;
}

/**
 * A lake: storage zones, the catalog, the query engine, runs and events behind one SDK.
 * The CLI and the HTTP API are thin shells over this class.
 *
 * @example
 * const lake = await Lake.init('./my-lake');
 * await lake.writeTable('sales.orders', [{ id: 1, amount: 9.5 }]);
 * const result = await lake.query('select sum(amount) as total from sales.orders');
 * console.log(result.rows()); // [{ total: 9.5 }]
 * await lake.close();
 */
export class Lake {
  #engine: Promise<DuckEngine> | undefined;
  #sandbox: Promise<DuckEngine> | undefined;
  #queries: QueryRunner | undefined;
  #writer: TableWriter | undefined;
  #quality: QualityService | undefined;
  #jobs: JobService | undefined;
  #sync: SyncService | undefined;
  #crawlers: CrawlerService | undefined;
  #sources: SourceService | undefined;
  #migrations: MigrationService | undefined;
  #ml: MlService | undefined;
  #tokens: TokenService | undefined;
  #events: EventService | undefined;
  #functions: FunctionService | undefined;
  #triggers: TriggerService | undefined;
  #objectEvents: ObjectEvents | undefined;
  #endpoints: EndpointService | undefined;

  private constructor(
    /** The lake directory: config, metadata (SQLite), staging and caches. */
    readonly dir: string,
    readonly config: LakeConfig,
    private readonly meta: MetaDb,
    /** The lake's object store, with key validation and `object.*` events. */
    private readonly store: ObjectStore,
    private readonly catalog: CatalogType,
    private readonly eventLog: EventLog,
    private readonly runStore: RunStore,
    /** The embedded executor, or the distributed one with `executor.mode: "workers"`. */
    private readonly executor: RunExecutor,
    private readonly readCache: ReadCache,
    private readonly distributed: DistributedExecutor | undefined,
  ) {
    this.runs = new RunService(runStore, executor);
  }

  /** Every run of every kind: list, get, logs, wait and cancel by id. */
  readonly runs: RunService;

  /**
   * Creates a lake in `dir` (a new or empty directory): creates the metadata database and the
   * zones, then writes `lakebox.json`, and opens it. All or nothing: when any step fails, what
   * it made (the directory, the metadata file, the zones) is removed and no `lakebox.json`
   * is left, so the same init can simply be tried again.
   *
   * @throws LakeError LAKE_EXISTS when `dir` already holds a lake; LAKE_MISMATCH when the
   *   metadata database holds a lake on other storage (a lake on the same storage is joined);
   *   INVALID_CONFIG, METADATA_UNREACHABLE and the like, with nothing left behind.
   */
  static async init(
    dir: string,
    options: InitOptions = {},
    openOptions: OpenOptions = {},
  ): Promise<Lake> {
    const root = resolve(dir);
    const configPath = join(root, CONFIG_FILE);
    if (await stat(configPath).catch(() => undefined)) throw lakeExists(root);
    const raw = {
      version: 1,
      id: newLakeId(),
      storage: options.storage ?? { type: 'local' },
      metadata: options.metadata ?? { type: 'sqlite', path: `${WORK_DIR}/meta.db` },
      ...(options.engine ? { engine: options.engine } : {}),
    };
    // A bad config, or one holding a password, is refused before anything is made.
    if (raw.metadata.type === 'postgres') checkNoLiteralPassword(raw.metadata.url, 'metadata.url');
    const config = resolveConfig(raw, configPath, openOptions.env ?? process.env);
    const made = new CreatedPaths();
    let lake: Lake | undefined;
    try {
      await made.mkdir(root);
      lake = await Lake.#connect(root, config, made);
      if (config.storage.type === 'local') {
        const zonesRoot = resolveIn(root, config.storage.path ?? '.');
        const empty: string[] = [];
        for (const zone of ZONES) {
          await made.mkdir(join(zonesRoot, zone));
          if ((await readdir(join(zonesRoot, zone))).length === 0) empty.push(zone);
        }
        // Nothing there to record: every file copied in from now on is news, even before a scan.
        await lake.#objects().markBaselined(empty);
      }
      // The commit point: until this file exists there is no lake here.
      // The id of the lake whose database this is, when init joined an existing one.
      raw.id = config.id!;
      await writeFile(configPath, `${JSON.stringify(raw, null, 2)}\n`, { flag: 'wx' }).catch(
        (error: NodeJS.ErrnoException) => {
          // Another init won the race: what is there now is its lake, not ours to remove.
          if (error.code === 'EEXIST') made.forget();
          throw error.code === 'EEXIST' ? lakeExists(root) : error;
        },
      );
      return lake;
    } catch (error) {
      await lake?.close().catch(() => undefined);
      await made.removeAll();
      throw error;
    }
  }

  /**
   * Opens the lake in `dir` (default: the current directory), applying the environment
   * overrides `LAKEBOX_STORAGE` and `LAKEBOX_DATABASE_URL`. Never creates a metadata
   * database: only `init` does.
   *
   * @throws LakeError CONFIG_NOT_FOUND, INVALID_CONFIG, METADATA_NOT_FOUND (a SQLite file
   *   that is not there), METADATA_UNREACHABLE, LAKE_MISMATCH (the metadata database is
   *   another lake's).
   */
  static async open(dir: string = process.cwd(), options: OpenOptions = {}): Promise<Lake> {
    const root = resolve(dir);
    return Lake.#connect(
      root,
      await loadConfig(root, options.env ?? process.env),
      undefined,
      options.executor,
    );
  }

  /** Opens the metadata database (creating it only for `init`, which passes `creating`) and wires the lake. */
  static async #connect(
    root: string,
    config: LakeConfig,
    creating?: CreatedPaths,
    hostExecutor?: RunExecutor,
  ): Promise<Lake> {
    const sqliteFile =
      config.metadata.type === 'sqlite' ? resolveIn(root, config.metadata.path) : undefined;
    if (sqliteFile && creating) {
      await creating.mkdir(dirname(sqliteFile));
      creating.willCreate(sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`);
    }
    const dialect = await dialectFor(
      config.metadata.type === 'sqlite'
        ? { type: 'sqlite', file: sqliteFile!, mustExist: !creating }
        : { type: 'postgres', url: config.metadata.url, poolSize: config.metadata.poolSize },
    );
    const meta = await openMetaDb(dialect);
    try {
      if (config.id) {
        const storage =
          config.storage.type === 's3'
            ? config.storage.uri
            : resolveIn(root, config.storage.path ?? '.');
        config.id = await claimLakeIdentity(
          meta.db,
          { id: config.id, storage },
          dialect.location,
          creating !== undefined,
        );
      }
      const staging = join(root, WORK_DIR, 'staging');
      if (creating) await creating.mkdir(staging);
      else await mkdir(staging, { recursive: true });
      const events = new EventLog(meta.db, meta.dialect);
      // Object events and the object state they imply commit together (one transaction per
      // flush), so a scan of the zones never announces what the lake wrote itself.
      const storageEvents = new EventBatcher(events, meta.db);
      const backend = await openObjectStore(storageSettings(root, config.storage));
      const store = new GuardedStore(backend, {
        writableRoots: ZONES,
        onEvent: (event) =>
          storageEvents.append(
            event.type === 'object.created'
              ? {
                  type: event.type,
                  subject: event.key,
                  payload: { key: event.key, size: event.size, etag: event.etag },
                }
              : { type: event.type, subject: event.key, payload: { key: event.key } },
          ),
        onQuietChange: (event) => storageEvents.recordQuietly(event),
      });
      const catalog = new Catalog(meta.db, events);
      const { runs, executor, distributed } = hostExecutor
        ? { runs: new RunStore(meta.db, events), executor: hostExecutor, distributed: undefined }
        : await openExecutor(config, meta, events);
      const readCache = new ReadCache(store, { cacheDir: join(root, WORK_DIR, 'cache') });
      const lake = new Lake(
        root,
        config,
        meta,
        store,
        catalog,
        events,
        runs,
        executor,
        readCache,
        distributed,
      );
      lake.registerRunKinds();
      return lake;
    } catch (error) {
      await meta.close();
      throw error;
    }
  }

  /** Source endpoints for database migration (PostgreSQL, SQLite). */
  get sources(): SourceService {
    return (this.#sources ??= new SourceService(this.services));
  }

  /** Database migration tasks: full load and CDC into lake tables. */
  get migrations(): MigrationService {
    return (this.#migrations ??= new MigrationService(this.services, this.sources));
  }

  /** File migration: sync tasks and executions (DataSync). */
  get sync(): SyncService {
    return (this.#sync ??= new SyncService(this.services));
  }

  /** Crawlers: infer schemas and partitions of files and register tables (Glue crawlers). */
  get crawlers(): CrawlerService {
    return (this.#crawlers ??= new CrawlerService(this.services));
  }

  /** Data quality: rulesets, evaluations as runs or gates, results (Glue Data Quality). */
  get quality(): QualityService {
    return (this.#quality ??= new QualityService(this.services));
  }

  /** ETL jobs (SQL or TypeScript transforms, bookmarks) and table maintenance (Glue jobs). */
  get jobs(): JobService {
    return (this.#jobs ??= new JobService(this.services, {
      qualityGate: qualityGateOver(() => this.quality),
    }));
  }

  /** Machine learning: training runs (kind `train`) over tables and queries. */
  get ml(): MlService {
    return (this.#ml ??= new MlService(this.services));
  }

  /**
   * Functions (Lambda): handlers deployed as versioned bundles, invoked as runs of kind
   * `function` in worker threads with a timeout, a memory limit and a concurrency limit.
   *
   * @example await lake.functions.deploy('./on-upload.ts', { name: 'on-upload' }); await lake.functions.invoke('on-upload', { key: 'raw/x.csv' });
   */
  get functions(): FunctionService {
    return (this.#functions ??= new FunctionService(this.services, {
      // Runs a handler submits come here: every kind must have its handler first.
      hostExecutor: () => {
        this.#useEveryFeature();
        return this.executor;
      },
    }));
  }

  /**
   * Triggers (EventBridge): events matching a pattern start a function, job, crawler, sync
   * or migration; `lakebox serve` (or `lakebox dispatch`) delivers them.
   *
   * @example await lake.triggers.create({ name: 'on-sales', pattern: { type: 'object.created', zone: 'raw', prefix: 'sales/' }, target: 'function:start-transform' });
   */
  get triggers(): TriggerService {
    return (this.#triggers ??= new TriggerService(this.services, triggerTargets(this)));
  }

  /**
   * Model endpoints (SageMaker endpoints): production variants with weights, a shadow, and
   * a host that serves them (`lakebox serve`, `lakebox endpoint serve NAME`).
   *
   * @example await lake.endpoints.create('churn', { variants: [{ name: 'main', model: 'churn@production' }] });
   */
  get endpoints(): EndpointService {
    return (this.#endpoints ??= new EndpointService(
      this.services,
      servingModelsOver(() => this.ml),
    ));
  }

  /** Every feature registers its run kinds when first used: use them all. */
  #useEveryFeature(): void {
    void [
      this.migrations,
      this.sync,
      this.crawlers,
      this.quality,
      this.jobs,
      this.ml,
      this.functions,
    ];
  }

  /** Bearer tokens for the HTTP API of `lakebox serve` (only their hashes are stored). */
  get tokens(): TokenService {
    return (this.#tokens ??= new TokenService(this.meta.db));
  }

  /**
   * The base services, for feature modules (see LakeServices) and tests; not part of the SDK
   * a shell uses (the CLI and the HTTP routes are linted against it).
   */
  get services(): LakeServices {
    return {
      dir: this.dir,
      config: this.config,
      db: this.meta.db,
      dialect: this.meta.dialect,
      store: this.store,
      readCache: this.readCache,
      catalog: this.catalog,
      events: this.eventLog,
      runs: this.runStore,
      executor: this.executor,
      engine: async () => {
        await this.queryRunner();
        return this.#engine!;
      },
      queries: () => this.queryRunner(),
      writer: async () => {
        await this.queryRunner();
        return this.#writer!;
      },
      workDir: async (purpose: string) => {
        const path = join(this.dir, WORK_DIR, 'work', purpose);
        await mkdir(path, { recursive: true });
        return path;
      },
    };
  }

  /** The zones and where they live. */
  zones(): Array<{ zone: string; location: string }> {
    return ZONES.map((zone) => ({
      zone,
      location: `${this.store.location.replace(/\/$/, '')}/${zone}`,
    }));
  }

  /**
   * Runs one SELECT over the lake's tables (named `database.table`), each pinned at its
   * current snapshot or at `asOf` (a snapshot id or a time).
   *
   * @throws LakeError TABLE_NOT_FOUND (with close names), SQL_ERROR (DuckDB's message with
   *   the position), UNSUPPORTED_STATEMENT for anything but SELECT.
   */
  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const externalAccess = this.config.engine.externalAccess && options.externalAccess !== false;
    return (await this.queryRunner()).query(sql, { ...options, externalAccess });
  }

  /**
   * Runs one SELECT as `query` does, but lends the result to `consume` as a stream read from
   * DuckDB a chunk at a time, so that a result of any size is read in bounded memory. The
   * stream is valid until `consume` settles; stop reading early by returning.
   *
   * @example
   * await lake.streamQuery('select * from sales.orders', {}, async (result) => {
   *   for await (const rows of result.jsonTuples()) await send(rows);
   * });
   * @throws LakeError as `query` does; SQL_ERROR also while reading, from a later chunk.
   */
  async streamQuery<T>(
    sql: string,
    options: QueryOptions,
    consume: (result: QueryStream) => Promise<T>,
  ): Promise<T> {
    const externalAccess = this.config.engine.externalAccess && options.externalAccess !== false;
    return (await this.queryRunner()).stream(sql, { ...options, externalAccess }, consume);
  }

  /**
   * Writes `source` (a SQL query over the lake, local files, or records) into a table as one
   * snapshot, creating the table (and its database) on first write.
   *
   * @example await lake.writeTable('sales.daily', { sql: 'select day, sum(amount) from sales.orders group by day' }, { mode: 'overwrite' });
   * @throws LakeError SCHEMA_MISMATCH, SQL_ERROR, FILE_NOT_FOUND, UNSUPPORTED_FORMAT.
   */
  async writeTable(
    name: string,
    source: WriteSource,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    await this.queryRunner();
    return this.#writer!.write(name, source, options);
  }

  /**
   * Loads local files into a table as a recorded run of kind `load`.
   *
   * @throws LakeError INVALID_IDENTIFIER, FILE_NOT_FOUND, UNSUPPORTED_FORMAT before any run is
   *   recorded; a failed load is a failed run.
   */
  async load(name: string, files: string[], options: LoadOptions = {}): Promise<Run> {
    parseTableName(name);
    const { paths } = await checkLocalFiles(files, options.format);
    const run = await this.executor.submit('load', {
      name,
      parameters: { table: name, files: paths, ...options },
    });
    return this.executor.wait(run.id);
  }

  /**
   * Deletes files no live snapshot references and staging leftovers older than the grace
   * period (default one hour), as a recorded run of kind `vacuum`.
   */
  async vacuum(options: { graceMs?: number; dryRun?: boolean } = {}): Promise<Run> {
    const run = await this.executor.submit('vacuum', { parameters: { ...options } });
    return this.executor.wait(run.id);
  }

  /** Creates a database whose managed tables live in a zone. @throws LakeError DATABASE_EXISTS */
  async createDatabase(name: string, options?: CreateDatabaseOptions): Promise<Database> {
    return this.catalog.createDatabase(name, options);
  }

  /** Creates an empty table (`DB.TABLE`) with a schema and partitioning. @throws LakeError TABLE_EXISTS */
  async createTable(name: string, options: CreateTableOptions): Promise<Table> {
    return this.catalog.createTable(name, options);
  }

  /** Every table, or those of one database, by name. */
  async listTables(database?: string): Promise<Table[]> {
    return this.catalog.listTables(database);
  }

  /** A table's schema, snapshot and partitions, now or as of a snapshot or time. */
  async describeTable(name: string, asOf?: AsOf): Promise<TableDescription> {
    const table = await this.catalog.getTable(name);
    const snapshot = await this.catalog.snapshotAsOf(table, asOf);
    const schema = await this.catalog.schema(table, snapshot?.schemaId ?? table.currentSchemaId);
    const partitions = await this.catalog.partitions(table, snapshot?.id ?? null);
    return { table, schema, snapshot, partitions };
  }

  /** Every database, by name. */
  async listDatabases(): Promise<Database[]> {
    return this.catalog.listDatabases();
  }

  /**
   * A snapshot by its id (ids are unique across the lake).
   *
   * @throws LakeError SNAPSHOT_NOT_FOUND
   */
  async snapshot(snapshotId: number): Promise<Snapshot> {
    return this.catalog.snapshot(snapshotId);
  }

  /** The data files of a table, now or as of a snapshot or time. */
  async tableFiles(name: string, asOf?: AsOf): Promise<DataFile[]> {
    const table = await this.catalog.getTable(name);
    const snapshot = await this.catalog.snapshotAsOf(table, asOf);
    return this.catalog.files(table, snapshot?.id ?? null);
  }

  /** Every schema version of a table, oldest first. */
  async schemaHistory(name: string): Promise<TableSchema[]> {
    return this.catalog.schemaHistory(await this.catalog.getTable(name));
  }

  /** The table's snapshots, newest first. */
  async history(name: string, options: { limit?: number } = {}): Promise<Snapshot[]> {
    return this.catalog.history(await this.catalog.getTable(name), options);
  }

  /** Drops a table from the catalog; `vacuum` removes its files. */
  async dropTable(name: string): Promise<void> {
    await this.catalog.dropTable(name);
  }

  /**
   * Events in id order, for browsing; `lake.events` has the rest (consumers, tail, retention).
   *
   * @example await lake.listEvents({ type: 'object.*', limit: 10 });
   */
  async listEvents(query: EventQuery = {}): Promise<LakeEvent[]> {
    return this.events.list(query);
  }

  /**
   * The event log: browse it, follow it live, keep durable consumers, apply retention.
   *
   * @example const consumer = lake.events.consumer('my-dispatcher'); await consumer.read();
   */
  get events(): EventService {
    return (this.#events ??= new EventService(this.eventLog, this.meta.db, this.meta.dialect));
  }

  /**
   * Lists every zone once and raises `object.created` and `object.removed` for objects that
   * arrived, changed or left by other means than the lake (a file copied into a zone's
   * folder, an object put into the bucket by another tool). The first scan of a zone only
   * records what is there; an object changed within the last 2 s is announced by a later
   * scan, once it has stayed the same for 2 s.
   *
   * @example const counts = await lake.scanObjects(); // { listed: 12, created: 1, removed: 0, ... }
   */
  async scanObjects(): Promise<ObjectScanCounts> {
    return this.#objects().scan();
  }

  /**
   * Scans every zone, then keeps scanning until stopped: a local zone soon after its folder
   * changes, every zone every `events.scanEverySec`. This is what `lakebox watch` and
   * `lakebox serve` run; `close` stops it too.
   *
   * @example const watcher = await lake.watchObjects({ onError: console.error }); await watcher.stop();
   */
  watchObjects(options: WatchObjectsOptions = {}): Promise<ObjectWatcher> {
    return this.#objects().watch(options);
  }

  #objects(): ObjectEvents {
    return (this.#objectEvents ??= new ObjectEvents(this.meta.db, this.eventLog, this.store, {
      zones: ZONES,
      localRoot:
        this.config.storage.type === 'local'
          ? resolveIn(this.dir, this.config.storage.path ?? '.')
          : undefined,
      rescanEveryMs: this.config.events.scanEverySec * 1000,
    }));
  }

  /**
   * Makes this process a worker of a lake whose runs are dispatched to workers
   * (`executor.mode: "workers"`, PostgreSQL metadata): it performs runs of every kind (or
   * of `kinds`) until stopped. This is what `lakebox worker` runs.
   *
   * @example const worker = await lake.work({ concurrency: 4 }); process.on('SIGTERM', () => worker.stop({ deadlineMs: 30_000 }));
   * @throws LakeError INVALID_CONFIG when the lake runs its runs embedded.
   * @throws LakeError UNKNOWN_RUN_KIND for a kind in `kinds` that Lakebox does not have.
   */
  async work(options: WorkOptions = {}): Promise<LakeWorker> {
    if (!this.distributed) {
      throw new LakeError(
        'INVALID_CONFIG',
        `This lake runs its runs embedded (executor.mode "${this.config.executor.mode}"); workers need "executor": { "mode": "workers" } in ${CONFIG_FILE} and PostgreSQL metadata.`,
      );
    }
    this.#useEveryFeature();
    await this.distributed.work(options);
    const distributed = this.distributed;
    return {
      id: distributed.worker,
      kinds: options.kinds ?? [],
      stop: (stop) => distributed.close(stop),
    };
  }

  /**
   * The scheduler of this lake's cron schedules, not yet started: on PostgreSQL only the
   * process holding the leader lock fires ticks. This is what `lakebox serve` runs.
   *
   * @example const scheduler = lake.scheduler({ note: console.log }); scheduler.start();
   */
  scheduler(options: Omit<SchedulerOptions, 'id'> & { leaderRetryMs?: number } = {}): Scheduler {
    const lock = new LeaderLock(this.meta.db, this.meta.dialect.concurrentWriters, SCHEDULER_LOCK, {
      retryMs: options.leaderRetryMs,
    });
    return new Scheduler(this.meta.db, scheduledResources(this), lock, {
      ...options,
      id: newWorkerId(),
    });
  }

  /**
   * Every cron schedule of the lake and its next tick, soonest first; a schedule that
   * cannot be read has `next: null` and the reason in `error`.
   *
   * @example for (const s of await lake.schedules()) console.log(s.key, s.next);
   */
  async schedules(): Promise<ScheduleInfo[]> {
    return describeSchedules(await scheduledResources(this).list(), new Date());
  }

  /**
   * Makes this process the host of runs that dead processes left queued on an embedded lake
   * (`lakebox serve` does this): they run here instead of being failed as lost. On a lake
   * with workers their queue needs no host, and this does nothing.
   */
  async hostStrandedRuns(): Promise<void> {
    await this.executor.hostStranded();
  }

  /**
   * Resolves when the metadata database answers a query.
   *
   * @throws LakeError METADATA_UNREACHABLE when it does not.
   */
  async ping(): Promise<void> {
    try {
      await sql`select 1`.execute(this.meta.db);
    } catch (error) {
      throw new LakeError(
        'METADATA_UNREACHABLE',
        `The metadata database at ${this.meta.dialect.location} does not answer: ${error instanceof Error ? error.message : String(error)}.`,
        { transient: true, cause: error },
      );
    }
  }

  /** Lets runs of this process end, then closes the engine, storage and metadata connections. */
  async close(): Promise<void> {
    await this.#objectEvents?.close();
    await this.executor.close();
    await this.#functions?.close();
    if (this.#engine) (await this.#engine).close();
    if (this.#sandbox) (await this.#sandbox).close();
    await this.store.close();
    await this.meta.close();
  }

  private async queryRunner(): Promise<QueryRunner> {
    if (!this.#queries) {
      this.#engine ??= DuckEngine.create({
        threads: this.config.engine.threads,
        memoryLimit: this.config.engine.memoryLimit,
        tempDirectory: join(this.dir, WORK_DIR, 'spill'),
      });
      // The query layer loads with DuckDB, on first use.
      const [engine, { QueryRunner }, { TableWriter }] = await Promise.all([
        this.#engine,
        import('./engine/query-runner.js'),
        import('./engine/table-writer.js'),
      ]);
      this.#queries ??= new QueryRunner(engine, this.catalog, this.readCache, () =>
        this.sandboxEngine(),
      );
      this.#writer ??= new TableWriter(
        engine,
        this.#queries,
        this.catalog,
        this.store,
        this.readCache,
        join(this.dir, WORK_DIR, 'staging'),
      );
    }
    return this.#queries;
  }

  /**
   * A second DuckDB instance for queries without external access: its SQL reads only files
   * under the zones' folders and the read cache (all a table is made of), and its
   * configuration is locked, so the main instance stays free for the lake's own writers.
   */
  private sandboxEngine(): Promise<DuckEngine> {
    return (this.#sandbox ??= DuckEngine.create({
      threads: this.config.engine.threads,
      memoryLimit: this.config.engine.memoryLimit,
      tempDirectory: join(this.dir, WORK_DIR, 'spill'),
      sandbox: {
        allowedDirectories: [
          ...ZONES.flatMap((zone) => this.store.localPath(zone) ?? []),
          this.readCache.directory,
        ],
      },
    }));
  }

  private registerRunKinds(): void {
    this.executor.register('load', async (ctx) => {
      const { table, files, ...options } = ctx.parameters as unknown as {
        table: string;
        files: string[];
      } & LoadOptions;
      await ctx.info(`loading ${files.length} file(s) into ${table}`);
      const result = await this.writeTable(table, { files, format: options.format }, options);
      await ctx.info(`committed snapshot ${result.snapshot.id}`);
      if (result.rowsRejected)
        await ctx.log('warn', `${result.rowsRejected} row(s) rejected into ${result.rejectsTable}`);
      return {
        metrics: {
          rowsWritten: result.rowsWritten,
          filesWritten: result.filesWritten,
          bytesWritten: result.bytesWritten,
          snapshotId: result.snapshot.id,
          ...(result.rowsRejected !== undefined ? { rowsRejected: result.rowsRejected } : {}),
        },
      };
    });
    this.executor.register('vacuum', async (ctx) => {
      const options = ctx.parameters as { graceMs?: number; dryRun?: boolean };
      const result: VacuumResult = await vacuumTables(this.meta.db, this.store, options);
      const staging = await removeLocalLeftovers(
        join(this.dir, WORK_DIR),
        options.graceMs ?? 60 * 60 * 1000,
        options.dryRun ?? false,
      );
      await ctx.info(
        `${options.dryRun ? 'would delete' : 'deleted'} ${result.deletedFiles} file(s), ${result.deletedBytes} bytes; ${staging} staging folder(s)`,
      );
      for (const key of result.keys.slice(0, 1000)) await ctx.log('debug', key);
      return {
        metrics: {
          deletedFiles: result.deletedFiles,
          deletedBytes: result.deletedBytes,
          stagingFoldersDeleted: staging,
        },
      };
    });
  }
}

function lakeExists(root: string): LakeError {
  return new LakeError(
    'LAKE_EXISTS',
    `${root} already holds a lake (${CONFIG_FILE} exists); open it instead.`,
  );
}

async function openExecutor(
  config: LakeConfig,
  meta: MetaDb,
  events: EventLog,
): Promise<{
  runs: RunStore;
  executor: RunExecutor;
  distributed: DistributedExecutor | undefined;
}> {
  const { mode, concurrency, heartbeatMs, lostAfterMs } = config.executor;
  const workers = new WorkerRegistry(meta.db, lostAfterMs);
  if (mode === 'embedded') {
    const runs = new RunStore(meta.db, events);
    const executor = new LocalExecutor(runs, workers, { concurrency, heartbeatMs });
    return { runs, executor, distributed: undefined };
  }
  if (config.metadata.type !== 'postgres') {
    throw new LakeError(
      'INVALID_CONFIG',
      'executor.mode "workers" needs PostgreSQL metadata (the run queue lives there); set metadata to postgres or LAKEBOX_DATABASE_URL, or use mode "embedded".',
    );
  }
  // graphile-worker loads only for lakes that dispatch to workers.
  const [{ DistributedExecutor }, { graphileDispatch }] = await Promise.all([
    import('./runs/distributed-executor.js'),
    import('./runs/graphile-dispatch.js'),
  ]);
  const runs = new RunStore(meta.db, events, graphileDispatch);
  const executor = new DistributedExecutor(runs, workers, {
    connectionString: config.metadata.url,
    db: meta.db,
    heartbeatMs,
  });
  return { runs, executor, distributed: executor };
}

function resolveIn(root: string, path: string): string {
  return isAbsolute(path) ? path : join(root, path);
}

function storageSettings(root: string, storage: StorageConfig) {
  if (storage.type === 'local')
    return { type: 'local' as const, path: resolveIn(root, storage.path ?? '.') };
  const [bucket, ...prefix] = storage.uri.slice('s3://'.length).split('/');
  return {
    type: 's3' as const,
    bucket: bucket!,
    prefix: prefix.filter(Boolean).join('/'),
    endpoint: storage.endpoint,
    region: storage.region,
    accessKeyId: storage.accessKeyId,
    secretAccessKey: storage.secretAccessKey,
    forcePathStyle: storage.forcePathStyle,
  };
}
