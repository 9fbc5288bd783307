/** Lakebox's public SDK. */
export { Lake } from './lake.js';
export type { InitOptions, OpenOptions, LoadOptions, TableDescription } from './lake.js';
export type { LakeWorker } from './lake.js';
export type { ScheduleInfo } from './scheduled-resources.js';
export { LakeError, isLakeError } from './errors/lake-error.js';
export type { ErrorCode } from './errors/lake-error.js';
export type {
  AsOf,
  Column,
  ColumnStats,
  DataFile,
  Database,
  Snapshot,
  SnapshotSummary,
  Table,
  TableFormat,
  TableKind,
  TableSchema,
  Zone,
} from './catalog/catalog-types.js';
export { ZONES } from './catalog/catalog-types.js';
export type {
  Catalog,
  CreateDatabaseOptions,
  CreateTableOptions,
  PartitionInfo,
} from './catalog/catalog.js';
export { withCommitRetry } from './catalog/commit-retry.js';
export type { CommitRequest } from './catalog/table-commit.js';
export type { QueryOptions } from './engine/query-runner.js';
export type { QueryResult, ResultColumn, ReadSnapshot, JsonValue } from './engine/query-result.js';
export type { QueryStream } from './engine/query-stream.js';
export type { WriteOptions, WriteResult } from './engine/table-writer.js';
export { LOAD_REJECTS_TABLE } from './engine/load-rejects-table.js';
export type { WriteSource, FileFormat } from './engine/write-source.js';
export type { LakeEvent, EventQuery, ReadOptions, TypedEvent } from './events/event-log.js';
export { isEvent } from './events/event-log.js';
export { EVENT_TYPES, checkTypePattern } from './events/event-catalogue.js';
export type { EventPayloads, EventType, NewEvent } from './events/event-catalogue.js';
export type { EventPosition } from './events/event-position.js';
export type { EventConsumer, EventConsumerOptions } from './events/event-consumer.js';
export type { ConsumerCursor } from './events/consumer-cursors.js';
export type { EventService } from './events/event-service.js';
export type { EventTail, EventTailOptions, EventHandler, TailCursor } from './events/event-tail.js';
export type { PruneResult } from './events/event-retention.js';
export type { LakeConfig, StorageConfig, MetadataConfig } from './config/lake-config.js';
export type {
  ObjectStore,
  ObjectInfo,
  ListOptions,
  ListPage,
  PutResult,
} from './storage/object-store.js';
export type { Run, RunStatus, RunProgress, RunLogEntry } from './runs/run.js';
export type { RunExecutor, RunHandler, RunContext, RunOutcome } from './runs/run-executor.js';
export type {
  QualityService,
  RulesSource,
  EvaluateOptions,
  QualityRun,
} from './quality/quality-service.js';
export type {
  Ruleset,
  QualityTarget,
  QualityReport,
  QualityResult,
  QualityResultQuery,
  RuleOutcome,
  RowCheck,
} from './quality/quality-types.js';
export type { PartitionedSql } from './quality/evaluation/row-partition.js';
export { CrawlerService } from './crawl/crawler-service.js';
export type {
  Crawler,
  CrawlerSpec,
  CrawlTarget,
  CsvClassifier,
  CrawlSummary,
  SchemaChange,
  SkippedFile,
  SchemaChangePolicy,
  DeletionPolicy,
  RecrawlPolicy,
} from './crawl/crawler-types.js';
export type { SyncService, SyncReportQuery } from './migrate/files/sync-service.js';
export type {
  S3Location,
  SyncCounters,
  SyncExecution,
  SyncLocation,
  SyncOptions,
  SyncOutcome,
  SyncPhase,
  SyncReportEntry,
  SyncTask,
  SyncTaskSpec,
} from './migrate/files/sync-types.js';
export type { JobService, JobServiceOptions, CompactTableOptions } from './jobs/job-service.js';
export type { Job, JobKind, JobSpec, JobWrite, StartJobOptions } from './jobs/job-types.js';
export type {
  JobRelation,
  TransformContext,
  TransformFunction,
  TransformResult,
} from './jobs/transform-api.js';
export type { BookmarkPosition } from './jobs/bookmark-store.js';
export type { FunctionService } from './functions/function-service.js';
export type {
  DeadLetter,
  DeadLetterQuery,
  DeployOptions,
  FunctionRecord,
  FunctionSettings,
  FunctionVersion,
  InvokeResult,
} from './functions/function-types.js';
export type { FunctionContext, FunctionLogger } from './functions/function-context.js';
export type {
  QualityGate,
  QualityGateOutcome,
  QualityGateRequest,
  QualityGateRule,
  QualityAction,
} from './jobs/quality-gate.js';
export type { SourceService, SourceTestResult } from './migrate/db/source-service.js';
export type { SourceRecord } from './migrate/db/source-kind.js';
export type {
  MigrationService,
  CreateMigrationTask,
  MigrationStatus,
  ValidationReport,
  TableValidation,
} from './migrate/db/migration-service.js';
export type {
  MigrationTask,
  MigrationType,
  MigrationSettings,
  TableStatus,
} from './migrate/db/migration-task.js';
export type {
  TableMappings,
  SelectionRule,
  TransformationRule,
} from './migrate/db/table-mapping.js';
export type { ConnectionCheck, SourceEngine } from './migrate/db/source.js';
export type { MlService, VersionComparison } from './ml/ml-service.js';
export type {
  ModelVersion,
  ModelSummary,
  ModelStatus,
  AliasMove,
} from './ml/registry/model-version.js';
export type { ModelArtifact } from './ml/registry/model-artifact.js';
export type { TokenService } from './tokens/token-service.js';
export type { ApiToken, CreatedApiToken } from './tokens/api-token.js';
export type { TrainRequest } from './ml/training/train-model.js';
export type { TuneSpec, TuneStrategy } from './ml/tuning/tune-spec.js';
export type { SearchSpace, ParamRange, NumberRange, Choices } from './ml/tuning/search-space.js';
export type { TrialRecord } from './ml/tuning/trial.js';
export type { ModelReport } from './ml/report/model-report.js';
export type { ModelLocator, LocatedModel } from './ml/report/model-locator.js';
