/** The public shapes of sync tasks and executions (DataSync counterparts in ARCHITECTURE.md). */
import type { Zone } from '../../catalog/catalog-types.js';
import type { RunStatus } from '../../runs/run.js';

/** An S3 prefix on any S3 API. Secrets are `${env:NAME}` references, resolved at run time. */
export interface S3Location {
  type: 's3';
  bucket: string;
  /** '' for the whole bucket. */
  prefix: string;
  /** For S3-compatible servers (MinIO, R2, s3rver); AWS itself when absent. */
  endpoint?: string;
  region?: string;
  /** `${env:NAME}` or a plain id; absent: the AWS SDK's default credential chain. */
  accessKeyId?: string;
  /** Must be a `${env:NAME}` reference: a secret is never stored. */
  secretAccessKey?: string;
  forcePathStyle?: boolean;
}

/** Where files come from or go to: a local directory, an S3 prefix, or a lake zone and prefix. */
export type SyncLocation =
  { type: 'local'; path: string } | S3Location | { type: 'lake'; zone: Zone; prefix: string };

export interface SyncOptions {
  /** `changed`: only new or changed files move; `all`: every file is copied again. */
  transferMode: 'changed' | 'all';
  /** How `changed` decides: size and modification time, or content checksums (reads both sides). */
  compare: 'size-mtime' | 'checksum';
  /** Compare checksums of source and destination after transfer: of nothing, of what moved, of everything. */
  verify: 'none' | 'transferred' | 'all';
  /** `never` leaves files that already exist at the destination as they are. */
  overwrite: 'always' | 'never';
  /** `mirror` deletes destination files that the source no longer has (within the filters). */
  deleted: 'keep' | 'mirror';
  /** Give local destination files the source's modification time. */
  preserveMtime: boolean;
  /** Files in flight at once. */
  concurrency: number;
  /** Bytes per second over all transfers together; null for no limit. */
  bandwidthLimit: number | null;
  /** fsync each local destination file before it is renamed into place (slower; see docs/sync.md). */
  fsync: boolean;
}

/** A sync task as created: where from, where to, which files, how. */
export interface SyncTaskSpec {
  /** A location or its text form: a directory, `s3://bucket/prefix`, `lake://zone/prefix`. */
  from: SyncLocation | string;
  to: SyncLocation | string;
  /** Globs on paths relative to the source (`**\/*.csv`); all files when empty. */
  include?: string[];
  /** Globs of files to leave out; they win over `include`. */
  exclude?: string[];
  options?: Partial<SyncOptions>;
  /** A cron expression, for the scheduler (pipelines) to start the task. */
  schedule?: string | null;
  /** S3 settings applied to whichever side is given as an `s3://` string. */
  s3?: Omit<S3Location, 'type' | 'bucket' | 'prefix'>;
}

export interface SyncTask {
  id: number;
  name: string;
  source: SyncLocation;
  destination: SyncLocation;
  include: string[];
  exclude: string[];
  options: SyncOptions;
  schedule: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type SyncPhase = 'queued' | 'listing' | 'transferring' | 'verifying' | 'done';

/** Counters of an execution, live while it runs and final once it has ended. */
export interface SyncCounters {
  filesFound: number;
  bytesFound: number;
  filesTransferred: number;
  bytesTransferred: number;
  /** Unchanged, existing with overwrite `never`, or not regular files. */
  filesSkipped: number;
  bytesSkipped: number;
  filesFailed: number;
  filesDeleted: number;
  filesVerified: number;
}

/** A sync execution: a run of kind `sync` seen through the sync module. */
export interface SyncExecution extends SyncCounters {
  id: string;
  task: string | null;
  status: RunStatus;
  phase: SyncPhase;
  /** Over the transfers so far. */
  bytesPerSecond: number;
  /** Seconds until the transfer phase ends at the current rate; null when unknown. */
  etaSeconds: number | null;
  error: { code: string; message: string } | null;
  startedAt: Date | null;
  endedAt: Date | null;
}

export type SyncOutcome =
  'transferred' | 'skipped' | 'failed' | 'deleted' | 'verified' | 'verify_failed';

/** One line of an execution's report. Unchanged files are counted, not listed. */
export interface SyncReportEntry {
  seq: number;
  path: string;
  outcome: SyncOutcome;
  bytes: number;
  /** Why: SYMLINK_LOOP, SPECIAL_FILE, INVALID_NAME, EXISTS, READ_ERROR, SOURCE_VANISHED, ... */
  code: string | null;
  message: string | null;
}
