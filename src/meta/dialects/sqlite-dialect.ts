import Database from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection } from 'kysely';
import type { MetaDialect } from './meta-dialect.js';

/**
 * Write transactions take SQLite's write lock up front (`BEGIN IMMEDIATE`). With a plain
 * deferred `BEGIN`, two processes that read and then write would deadlock on the lock
 * upgrade and fail with SQLITE_BUSY instead of waiting for each other.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #database: () => Promise<Database.Database>;
  constructor(database: () => Promise<Database.Database>) {
    super({ database });
    this.#database = database;
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver({ database: this.#database });
  }
}

export function sqliteDialect(file: string): MetaDialect {
  return {
    name: 'sqlite',
    autoIdType: 'integer',
    location: file,
    createKyselyDialect() {
      return new ImmediateSqliteDialect(async () => {
        const db = new Database(file, { timeout: 30_000 });
        db.pragma('journal_mode = WAL');
        // WAL with synchronous=NORMAL is durable against process crashes; only an OS crash
        // can lose the last transactions, never corrupt the file.
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        return db;
      });
    },
  };
}
