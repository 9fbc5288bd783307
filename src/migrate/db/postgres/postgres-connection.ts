import type pg from 'pg';
import { LakeError } from '../../../errors/lake-error.js';
import type { PostgresSettings } from '../source-settings.js';
import { resolvePassword } from '../source-password.js';
import { COPY_SESSION_OPTIONS } from './postgres-types.js';

/** The pg client settings of a source; the password is resolved from the environment now. */
export function clientConfig(
  name: string,
  settings: PostgresSettings,
  options: { replication?: boolean } = {},
): pg.ClientConfig {
  return {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: resolvePassword(settings.password, name),
    ssl: settings.ssl ? { rejectUnauthorized: false } : undefined,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    options: COPY_SESSION_OPTIONS,
    application_name: 'lakebox',
    ...(options.replication ? { replication: 'database' } : {}),
  } as pg.ClientConfig;
}

/** Connects a client, turning connection failures into one line that names the fix. */
export async function connectClient(
  name: string,
  settings: PostgresSettings,
  options: { replication?: boolean } = {},
): Promise<pg.Client> {
  // Loaded on first use: most commands never reach a PostgreSQL source.
  const { default: driver } = await import('pg');
  const client = new driver.Client(clientConfig(name, settings, options));
  client.on('error', () => undefined); // a dropped connection surfaces on the next query
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw postgresError(error, name, settings);
  }
}

/**
 * A driver error as a LakeError with a stable code and the fix; never the password (pg's
 * messages do not carry it, and the URL-shaped text is not built here).
 */
export function postgresError(error: unknown, name: string, settings: PostgresSettings): LakeError {
  if (error instanceof LakeError) return error;
  const e = error as { code?: string; message?: string };
  const where = `${settings.host}:${settings.port}/${settings.database}`;
  const message = e.message ?? String(error);
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
    case 'EAI_AGAIN':
      return new LakeError(
        'SOURCE_UNREACHABLE',
        `Source ${name}: cannot reach PostgreSQL at ${settings.host}:${settings.port} (${e.code}); check the host and port, and that the server is running and accepts TCP connections.`,
        { cause: error, transient: true },
      );
    case '28P01':
    case '28000':
      return new LakeError(
        'SOURCE_AUTH_FAILED',
        `Source ${name}: PostgreSQL refused user ${settings.user} at ${where} (${e.code === '28P01' ? 'wrong password' : 'not allowed by pg_hba.conf'}); check the user and the password variable${settings.password ? ` ${settings.password.slice(6, -1)}` : ''}.`,
        { cause: error },
      );
    case '3D000':
      return new LakeError(
        'SOURCE_UNREACHABLE',
        `Source ${name}: database ${settings.database} does not exist on ${settings.host}:${settings.port}; fix the database setting.`,
        { cause: error },
      );
    case '42501':
      return new LakeError(
        'SOURCE_PERMISSION_DENIED',
        `Source ${name}: ${message}; grant the user the privilege named.`,
        { cause: error },
      );
  }
  if (/timeout/i.test(message))
    return new LakeError(
      'SOURCE_UNREACHABLE',
      `Source ${name}: connecting to ${settings.host}:${settings.port} timed out; check the host, port and firewall.`,
      { cause: error, transient: true },
    );
  if (/terminat|ECONNRESET|Connection/i.test(message))
    return new LakeError('SOURCE_ERROR', `Source ${name}: ${message}`, {
      cause: error,
      transient: true,
    });
  return new LakeError('SOURCE_ERROR', `Source ${name}: ${message}`, { cause: error });
}
