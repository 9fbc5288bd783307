import { inject } from 'vitest';
import type { InitOptions } from '../../src/lake.js';
import { createTestDatabase, postgresMetadata } from './postgres-server.js';
import type { S3TestServer } from './s3-server.js';

/** The environment the team-lake config's `${env:...}` credentials resolve from. */
export const TEAM_LAKE_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  LAKEBOX_TEST_S3_KEY: 'S3RVER',
  LAKEBOX_TEST_S3_SECRET: 'S3RVER',
};

/**
 * Init options for the team setup of ARCHITECTURE.md: zones under `s3://<bucket>/<prefix>` on
 * the test S3 server (credentials by environment reference), metadata in a fresh PostgreSQL
 * database. Open the lake with `{ env: TEAM_LAKE_ENV }`.
 */
export async function teamLakeOptions(s3: S3TestServer, prefix: string): Promise<InitOptions> {
  const metadata = postgresMetadata(await createTestDatabase(inject('postgresUrl')));
  // The reference resolves from the environment these lakes are opened with.
  const name = /\$\{env:(\w+)\}/.exec(metadata.url)![1]!;
  TEAM_LAKE_ENV[name] = process.env[name];
  return {
    storage: {
      type: 's3',
      uri: `s3://${s3.bucket}/${prefix}`,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      accessKeyId: '${env:LAKEBOX_TEST_S3_KEY}',
      secretAccessKey: '${env:LAKEBOX_TEST_S3_SECRET}',
      forcePathStyle: true,
    },
    metadata,
  };
}
