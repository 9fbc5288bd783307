import { PostgresDialect } from 'kysely';
import pg from 'pg';
import type { MetaDialect } from './meta-dialect.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Ids and epoch-millisecond times are BIGINT; every value we store fits in a JS number. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export function postgresDialect(url: string, options: { poolSize?: number } = {}): MetaDialect {
  return {
    name: 'postgres',
    autoIdType: 'bigserial',
    concurrentWriters: true,
    location: redactUrl(url),
    createKyselyDialect() {
      const pool = new pg.Pool({
        connectionString: url,
        max: options.poolSize ?? 10,
        types,
        connectionTimeoutMillis: 10_000,
      });
      // A connection that breaks (the database restarted, the network dropped) is discarded
      // by the pool and the next query connects anew, or fails with the break if one was
      // running. Unheard, the 'error' event of an idle connection (on the pool) or of one
      // checked out between two statements of a transaction (on the client) would end the
      // process instead.
      pool.on('error', () => undefined);
      pool.on('connect', (client) => client.on('error', () => undefined));
      return new PostgresDialect({ pool });
    },
  };
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid database URL)';
  }
}
