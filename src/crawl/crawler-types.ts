/** Crawlers (the Glue crawler counterpart): their spec, and what a crawl run reports. */

export const SCHEMA_CHANGE_POLICIES = ['update', 'log', 'new-version'] as const;
export type SchemaChangePolicy = (typeof SCHEMA_CHANGE_POLICIES)[number];
export const DELETION_POLICIES = ['deprecate', 'delete'] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];
export const RECRAWL_POLICIES = ['everything', 'new-folders-only'] as const;
export type RecrawlPolicy = (typeof RECRAWL_POLICIES)[number];

/** Where a crawler looks: `raw/sales/` (zone + prefix) or an S3 URI inside the lake's storage. */
export interface CrawlTarget {
  path: string;
  /** Globs relative to the target (`**\/_tmp/**`, `*.bak`); matching objects are ignored. */
  exclude?: string[];
}

/** A CSV format pinned for every file under a prefix, instead of detection. */
export interface CsvClassifier {
  /** A key prefix, e.g. `raw/legacy/`. */
  prefix: string;
  delimiter?: string;
  quote?: string;
  escape?: string;
  header?: boolean;
  encoding?: string;
  /** Column names and DuckDB types in file order; required when `header` is false. */
  columns?: Array<{ name: string; type: string }>;
}

export interface CrawlerSpec {
  /** The lake database the tables go to (created when missing). */
  database: string;
  targets: CrawlTarget[];
  /** Prepended to every table name. */
  tablePrefix?: string;
  schemaChange?: SchemaChangePolicy;
  deletion?: DeletionPolicy;
  recrawl?: RecrawlPolicy;
  /** A cron expression, stored for the scheduler (it is not run by the crawler itself). */
  schedule?: string | null;
  classifiers?: CsvClassifier[];
  /** Rows (CSV) or records (JSON) read per sampled file for type inference. 1000. */
  sampleRows?: number;
  /** Files fully probed per group of look-alike files (the rest pass a header check). 8. */
  sampleFiles?: number;
  description?: string | null;
}

export interface Crawler extends Required<Omit<CrawlerSpec, 'schedule' | 'description'>> {
  name: string;
  schedule: string | null;
  description: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SkippedFile {
  key: string;
  reason: string;
}

export interface SchemaChange {
  table: string;
  /** `added`, `widened`, `removed` (columns no longer in files: kept, reported). */
  kind: 'added' | 'widened' | 'removed' | 'split' | 'new-version' | 'ignored';
  column?: string;
  from?: string;
  to?: string;
  detail?: string;
}

/** What one crawl did; kept per run and returned by `crawlers.summary(runId)`. */
export interface CrawlSummary {
  crawler: string;
  database: string;
  filesListed: number;
  filesNew: number;
  filesChanged: number;
  filesRemoved: number;
  filesUnchanged: number;
  filesRegistered: number;
  tablesCreated: string[];
  tablesUpdated: string[];
  tablesDeprecated: string[];
  tablesDeleted: string[];
  partitionsAdded: number;
  schemaChanges: SchemaChange[];
  skipped: SkippedFile[];
  /** Non-UTF-8 text files and how they are read (e.g. `latin-1`). */
  encodings: Array<{ key: string; encoding: string }>;
}
