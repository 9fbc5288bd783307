import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type QueryResult,
} from 'kysely';
import { LakeError } from '../../errors/lake-error.js';
import type { MetaDialect } from './meta-dialect.js';
import { cacheStatements } from './statement-cache.js';

const BUSY_WAIT_LIMIT_MS = 60_000;

/**
 * better-sqlite3 is synchronous: its own busy timeout would sleep on the event loop while
 * another connection of the same process (holding the lock, awaiting I/O) can never finish,
 * a deadlock. So SQLite is told not to wait at all, and a statement that finds the database
 * locked is retried after an asynchronous, jittered backoff instead.
 */
class BusyRetryingConnection implements DatabaseConnection {
  constructor(private readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (error) {
        const busy = (error as { code?: string }).code?.startsWith('SQLITE_BUSY');
        if (!busy || Date.now() - started > BUSY_WAIT_LIMIT_MS) throw error;
        const delay = Math.random() * Math.min(50, 1 + 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/**
 * Write transactions take SQLite's write lock up front (`BEGIN IMMEDIATE`): with a deferred
 * `BEGIN`, two writers that read and then write would fail on the lock upgrade instead of
 * waiting for each other.
 */
class LakeSqliteDriver extends SqliteDriver {
  override async acquireConnection(): Promise<DatabaseConnection> {
    return new BusyRetryingConnection(await super.acquireConnection());
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class LakeSqliteDialect extends SqliteDialect {
  readonly #database: () => Promise<Database.Database>;
  constructor(database: () => Promise<Database.Database>) {
    super({ database });
    this.#database = database;
  }
  override createDriver(): SqliteDriver {
    return new LakeSqliteDriver({ database: this.#database });
  }
}

/**
 * The metadata database in one SQLite file. `mustExist` (what opening a lake asks) refuses a
 * missing file instead of creating an empty one: only `init` creates a metadata database.
 *
 * @throws LakeError METADATA_NOT_FOUND on first use, when `mustExist` and the file is missing.
 */
export function sqliteDialect(file: string, options: { mustExist?: boolean } = {}): MetaDialect {
  return {
    name: 'sqlite',
    autoIdType: 'integer',
    concurrentWriters: false,
    location: file,
    createKyselyDialect() {
      return new LakeSqliteDialect(async () => {
        if (options.mustExist && !existsSync(file)) throw missingDatabase(file);
        const db = new Database(file, { timeout: 0, fileMustExist: options.mustExist ?? false });
        await untilUnlocked(() => db.pragma('journal_mode = WAL'));
        // WAL with synchronous=NORMAL survives a process crash intact; only an OS crash can
        // lose the last transactions, and it never corrupts the file.
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        return cacheStatements(db);
      });
    },
  };
}

/** Runs a statement that needs a moment without a writer (switching to WAL at first open). */
async function untilUnlocked(statement: () => unknown): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      statement();
      return;
    } catch (error) {
      if (!(error as { code?: string }).code?.startsWith('SQLITE_BUSY') || attempt > 500)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function missingDatabase(file: string): LakeError {
  return new LakeError(
    'METADATA_NOT_FOUND',
    `The metadata database ${file} does not exist: check metadata.path in lakebox.json (and LAKEBOX_DATABASE_URL), or restore the file; only lakebox init creates a metadata database.`,
    { details: { path: file } },
  );
}
