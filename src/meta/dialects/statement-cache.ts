import type Database from 'better-sqlite3';

/**
 * Keeps prepared statements by their SQL: Kysely's SQLite driver prepares every query anew,
 * which on the lake's hot paths (runs, events, deliveries) costs as much as running it. A
 * statement still being iterated (a streamed query) is busy and cannot run twice at once,
 * so a second use meanwhile gets a fresh one. SQLite re-prepares a kept statement by itself
 * when the schema changes under it.
 */
export function cacheStatements(db: Database.Database, size = 256): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const cached = cache.get(source);
    if (cached && !cached.busy) {
      // Most recently used last: the first key is the one to drop.
      cache.delete(source);
      cache.set(source, cached);
      return cached;
    }
    const statement = prepare(source);
    if (!cached) {
      cache.set(source, statement);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
    }
    return statement;
  }) as typeof db.prepare;
  return db;
}
