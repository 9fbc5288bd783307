import type { Kysely } from 'kysely';
import type { Catalog } from './catalog/catalog.js';
import type { LakeConfig } from './config/lake-config.js';
import type { DuckEngine } from './engine/duck-engine.js';
import type { QueryRunner } from './engine/query-runner.js';
import type { TableWriter } from './engine/table-writer.js';
import type { EventLog } from './events/event-log.js';
import type { MetaDialect } from './meta/dialects/meta-dialect.js';
import type { MetaSchema } from './meta/schema.js';
import type { RunExecutor } from './runs/run-executor.js';
import type { RunStore } from './runs/run-store.js';
import type { ObjectStore } from './storage/object-store.js';
import type { ReadCache } from './storage/read-cache.js';

/**
 * What a feature module (sync, migrate, crawl, jobs, quality, pipelines, ml) is given by the
 * facade: the base services of ARCHITECTURE.md section 3, already opened and wired. Feature
 * modules depend on this interface, never on `Lake` itself.
 */
export interface LakeServices {
  /** The lake directory (config, SQLite metadata, `.lakebox/` work folders). */
  readonly dir: string;
  readonly config: LakeConfig;
  /** The metadata database; feature tables are added by migrations in `src/meta/migrations/`. */
  readonly db: Kysely<MetaSchema>;
  readonly dialect: MetaDialect;
  /** The lake's store (key validation and `object.*` events included). */
  readonly store: ObjectStore;
  /** Local paths for objects (direct on fs, ETag-keyed cached copies on S3). */
  readonly readCache: ReadCache;
  readonly catalog: Catalog;
  readonly events: EventLog;
  readonly runs: RunStore;
  /** Features see the seam only: the embedded executor or the distributed one. */
  readonly executor: RunExecutor;
  /** The DuckDB engine, created on first use; its interface, never @duckdb/node-api itself. */
  engine(): Promise<DuckEngine>;
  queries(): Promise<QueryRunner>;
  writer(): Promise<TableWriter>;
  /** A private scratch folder under `.lakebox/work/<purpose>`, created on demand. */
  workDir(purpose: string): Promise<string>;
}
