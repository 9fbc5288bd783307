import type { Generated } from 'kysely';
import type { JobBookmarkEntryRow, JobBookmarkFileRow, JobRow } from './schema-jobs.js';
import type {
  QualityResultRow,
  QualityRuleResultRow,
  QualityRulesetRow,
} from './schema-quality.js';
import type {
  CrawlSummaryRow,
  CrawlerObjectRow,
  CrawlerRow,
  CrawlerTableRow,
} from './schema-crawlers.js';
import type { RunKeyRow, ScheduleTickRow, SchedulerStateRow, WorkerRow } from './schema-runs.js';
import type { SyncFileRow, SyncReportRow, SyncTaskRow } from './schema-sync.js';
import type { ApiTokenRow } from './schema-tokens.js';
import type { ObjectStateRow, ObjectZoneRow } from './schema-objects.js';
import type {
  FunctionDeadLetterRow,
  FunctionResultRow,
  FunctionRow,
  FunctionVersionRow,
} from './schema-functions.js';
import type {
  ModelAliasAuditRow,
  ModelAliasRow,
  ModelRow,
  ModelVersionRow,
} from './schema-models.js';
import type {
  MigrationSourceRow,
  MigrationTableRow,
  MigrationTaskRow,
} from './schema-migration-tasks.js';

/**
 * The metadata database's tables, as Kysely sees them. The catalog tables follow the shape
 * DuckLake gives a catalog kept in SQL (snapshots, schema versions, columns, data files,
 * per-file column statistics, delete files) so that exposing the lake to other engines is a
 * translation. Times are epoch milliseconds; JSON is stored as text in both dialects.
 */
export interface MetaSchema {
  lb_database: DatabaseRow;
  lb_table: TableRow;
  lb_schema: SchemaRow;
  lb_column: ColumnRow;
  lb_snapshot: SnapshotRow;
  lb_data_file: DataFileRow;
  lb_file_column_stats: FileColumnStatsRow;
  lb_delete_file: DeleteFileRow;
  lb_run: RunRow;
  lb_run_log: RunLogRow;
  lb_run_key: RunKeyRow;
  lb_worker: WorkerRow;
  lb_schedule_tick: ScheduleTickRow;
  lb_scheduler_state: SchedulerStateRow;
  lb_lake: LakeRow;
  lb_event: EventRow;
  lb_event_consumer: EventConsumerRow;
  lb_sync_task: SyncTaskRow;
  lb_sync_file: SyncFileRow;
  lb_sync_report: SyncReportRow;
  lb_migration_source: MigrationSourceRow;
  lb_migration_task: MigrationTaskRow;
  lb_migration_table: MigrationTableRow;
  lb_crawler: CrawlerRow;
  lb_crawler_table: CrawlerTableRow;
  lb_crawler_object: CrawlerObjectRow;
  lb_crawl_summary: CrawlSummaryRow;
  lb_job: JobRow;
  lb_job_bookmark_entry: JobBookmarkEntryRow;
  lb_job_bookmark_file: JobBookmarkFileRow;
  lb_quality_ruleset: QualityRulesetRow;
  lb_quality_result: QualityResultRow;
  lb_quality_rule_result: QualityRuleResultRow;
  lb_model: ModelRow;
  lb_model_version: ModelVersionRow;
  lb_model_alias: ModelAliasRow;
  lb_model_alias_audit: ModelAliasAuditRow;
  lb_api_token: ApiTokenRow;
  lb_function: FunctionRow;
  lb_function_version: FunctionVersionRow;
  lb_function_result: FunctionResultRow;
  lb_function_dead_letter: FunctionDeadLetterRow;
  lb_trigger: TriggerRow;
  lb_trigger_delivery: TriggerDeliveryRow;
  lb_object_state: ObjectStateRow;
  lb_object_zone: ObjectZoneRow;
  lb_endpoint: EndpointRow;
  lb_endpoint_deployment: EndpointDeploymentRow;
}

type Json = string;

export interface DatabaseRow {
  database_id: Generated<number>;
  name: string;
  zone: string;
  description: string | null;
  properties: Json;
  created_at: number;
  dropped_at: number | null;
}

export interface TableRow {
  table_id: Generated<number>;
  database_id: number;
  name: string;
  kind: string;
  format: string;
  location: string;
  description: string | null;
  properties: Json;
  current_snapshot_id: number | null;
  current_schema_id: number | null;
  created_at: number;
  dropped_at: number | null;
}

export interface SchemaRow {
  schema_id: Generated<number>;
  table_id: number;
  version: number;
  partition_columns: Json;
  created_at: number;
}

export interface ColumnRow {
  schema_id: number;
  table_id: number;
  position: number;
  name: string;
  type: string;
  nullable: number;
  description: string | null;
}

export interface SnapshotRow {
  snapshot_id: Generated<number>;
  table_id: number;
  parent_snapshot_id: number | null;
  schema_id: number;
  operation: string;
  summary: Json;
  record_count: number;
  file_count: number;
  total_bytes: number;
  committed_at: number;
  expired_at: number | null;
}

export interface DataFileRow {
  file_id: Generated<number>;
  table_id: number;
  path: string;
  format: string;
  record_count: number;
  file_size: number;
  partition_values: Json;
  begin_snapshot: number;
  end_snapshot: number | null;
  /** Null: the file's rows were all added by its own commit (`begin_snapshot`). */
  origin_min_snapshot: number | null;
  origin_max_snapshot: number | null;
}

export interface FileColumnStatsRow {
  file_id: number;
  table_id: number;
  column_name: string;
  value_count: number | null;
  null_count: number | null;
  min_value: string | null;
  max_value: string | null;
}

export interface DeleteFileRow {
  delete_file_id: Generated<number>;
  table_id: number;
  data_file_id: number;
  path: string;
  record_count: number;
  file_size: number;
  begin_snapshot: number;
  end_snapshot: number | null;
}

export interface RunRow {
  run_id: string;
  kind: string;
  name: string | null;
  status: string;
  attempt: number;
  max_attempts: number;
  retry_of: string | null;
  parameters: Json;
  metrics: Json;
  progress: Json | null;
  error: Json | null;
  cancel_requested: number;
  worker: string | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  heartbeat_at: number | null;
  /** Runs sharing a key run at most `concurrency_limit` at a time. */
  concurrency_key: string | null;
  concurrency_limit: number | null;
  /** A retry waits for its backoff: no claim before this time. */
  not_before: number | null;
  timeout_ms: number | null;
  /** Unique when set: a start repeated after a crash finds this run (migration 017). */
  idempotency_key: string | null;
  /** Trigger deliveries that led to the run (migration 021). */
  chain_depth: number;
}

export interface RunLogRow {
  log_id: Generated<number>;
  run_id: string;
  ts: number;
  level: string;
  message: string;
}

export interface EventRow {
  event_id: Generated<number>;
  type: string;
  subject: string | null;
  payload: Json;
  created_at: number;
  /** The writing transaction's id on PostgreSQL (0 on SQLite): events are read in (tx_id, event_id) order. */
  tx_id: Generated<number>;
  /** What appended it: `run:<id>`, `lake`, `scan` (migration 021; null before it). */
  source: string | null;
  /** Trigger deliveries that led to it (see runs/run-cause.ts). */
  chain_depth: Generated<number>;
}

/** A named consumer's durable cursor: the position of the last event it has handled. */
export interface EventConsumerRow {
  name: string;
  tx_id: number;
  event_id: number;
  created_at: number;
  updated_at: number;
}

/** The one row naming the lake this database belongs to. */
export interface LakeRow {
  slot: string;
  lake_id: string;
  storage: string;
  created_at: number;
}

/** A trigger: an event pattern and a target (migration 021). */
export interface TriggerRow {
  name: string;
  description: string | null;
  /** The TriggerPattern as JSON. */
  pattern: Json;
  /** `<kind>:<name>`, such as `function:start-transform`. */
  target: string;
  /** The input template as JSON, or null to pass the event itself. */
  input: Json | null;
  enabled: number;
  created_at: number;
  updated_at: number;
}

/** What a trigger did with one event: one row per (trigger, event), ever. */
export interface TriggerDeliveryRow {
  trigger_name: string;
  event_id: number;
  /** `started`, `failed` (the target could not be started) or `stopped` (chain too deep). */
  status: string;
  run_id: string | null;
  chain_depth: number;
  error: string | null;
  created_at: number;
}

export interface EndpointRow {
  name: string;
  description: string | null;
  /** The production variants as JSON: `[{ name, model, weight }]`, `model` a model ref. */
  variants: Json;
  /** The shadow variant as JSON (`{ name, model }`), or null. */
  shadow: Json | null;
  instances: number;
  /** Data capture as JSON (`{ sample }`), or null. */
  capture: Json | null;
  created_at: number;
  updated_at: number;
}

/** What a serving process last did with an endpoint: loaded, or failed to load, a config. */
export interface EndpointDeploymentRow {
  endpoint_name: string;
  /** `serving`, or `failed` when the latest config could not be loaded (the previous one serves). */
  state: string;
  /** The variants served, resolved to model versions, as JSON. */
  serving: Json | null;
  /** The record's `updated_at` that was tried last. */
  config_at: number;
  error: string | null;
  /** The serving process, `host:pid`. */
  host: string;
  /** The host's VariantTraffic list as JSON, since it started. */
  traffic: Json | null;
  /** The host's CaptureStats as JSON, when the endpoint captures. */
  capture: Json | null;
  updated_at: number;
}
