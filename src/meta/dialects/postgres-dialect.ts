import { PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { CommitNotifications, MetaDialect } from './meta-dialect.js';

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
    notifications: notifications(url),
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

/** NOTIFY in the writer's transaction (sent at its commit), LISTEN on a client of its own. */
function notifications(url: string): CommitNotifications {
  return {
    async notify(trx, channel) {
      await sql`select pg_notify(${channel}, '')`.execute(trx);
    },
    async listen(channel, onNotify, onError) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      client.on('notification', () => onNotify());
      client.on('error', onError);
      try {
        await client.connect();
        await client.query(`listen ${client.escapeIdentifier(channel)}`);
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      return { close: () => client.end() };
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
