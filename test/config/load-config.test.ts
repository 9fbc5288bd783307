import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { tempDir } from '../support/temp-lake.js';

describe('lake config', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('lakebox-config-')));
  afterEach(() => cleanup());

  const write = (config: unknown) => writeFile(join(dir, 'lakebox.json'), JSON.stringify(config));

  it('fills defaults: local storage and SQLite metadata in the lake directory', async () => {
    await write({ version: 1 });
    expect(await loadConfig(dir, {})).toMatchObject({
      storage: { type: 'local' },
      metadata: { type: 'sqlite', path: '.lakebox/meta.db' },
      executor: { concurrency: 4 },
    });
  });

  it('events: object scans every 30 s and on by default; a period under a second is refused', async () => {
    await write({ version: 1 });
    expect((await loadConfig(dir, {})).events).toEqual({
      retentionDays: 30,
      scanEverySec: 30,
      watchObjects: true,
    });
    await write({ version: 1, events: { scanEverySec: 5, watchObjects: false } });
    expect((await loadConfig(dir, {})).events).toMatchObject({
      scanEverySec: 5,
      watchObjects: false,
    });
    await write({ version: 1, events: { scanEverySec: 0 } });
    await expect(loadConfig(dir, {})).rejects.toThrow(/field events\.scanEverySec/);
  });

  it('resolves ${env:NAME} references and applies LAKEBOX_* overrides', async () => {
    await write({
      version: 1,
      storage: {
        type: 's3',
        uri: 's3://bucket/lake',
        accessKeyId: '${env:KEY}',
        secretAccessKey: 'x-${env:SECRET}',
      },
    });
    const config = await loadConfig(dir, { KEY: 'AKIA1', SECRET: 's3cr3t' });
    expect(config.storage).toMatchObject({
      type: 's3',
      accessKeyId: 'AKIA1',
      secretAccessKey: 'x-s3cr3t',
      region: 'us-east-1',
    });

    const overridden = await loadConfig(dir, {
      KEY: 'AKIA1',
      SECRET: 's',
      LAKEBOX_STORAGE: 's3://other/prefix',
      LAKEBOX_S3_ENDPOINT: 'http://127.0.0.1:9000',
      LAKEBOX_DATABASE_URL: 'postgres://u:p@db:5432/lake',
    });
    expect(overridden.storage).toEqual({
      type: 's3',
      uri: 's3://other/prefix',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      forcePathStyle: true,
    });
    expect(overridden.metadata).toEqual({ type: 'postgres', url: 'postgres://u:p@db:5432/lake' });
    expect(
      (await loadConfig(dir, { KEY: 'k', SECRET: 's', LAKEBOX_STORAGE: '/data/zones' })).storage,
    ).toEqual({ type: 'local', path: '/data/zones' });
  });

  it('names the file and the field, never a secret value', async () => {
    await write({ version: 1, storage: { type: 's3', uri: 'http://nope' } });
    await expect(loadConfig(dir, {})).rejects.toThrow(
      /lakebox\.json: field storage\.uri: must look like s3:\/\/bucket\/prefix/,
    );
    await write({ version: 2 });
    await expect(loadConfig(dir, {})).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('field version'),
    });
    await write({ version: 1, extra: true });
    await expect(loadConfig(dir, {})).rejects.toThrow(/field \(top level\)|extra/);
    await write({ version: 1, metadata: { type: 'postgres', url: 'mysql://x' } });
    await expect(loadConfig(dir, {})).rejects.toThrow(
      /field metadata\.url: must be a postgres:\/\/ URL/,
    );
    await write({
      version: 1,
      storage: { type: 's3', uri: 's3://bucket/x', secretAccessKey: '${env:MISSING_SECRET}' },
    });
    const missing = (await loadConfig(dir, {}).catch((e: unknown) => e)) as Error;
    expect(missing.message).toMatch(
      /field storage\.secretAccessKey refers to environment variable MISSING_SECRET, which is not set/,
    );
    await writeFile(join(dir, 'lakebox.json'), '{"version": 1,,}');
    await expect(loadConfig(dir, {})).rejects.toThrow(/lakebox\.json is not valid JSON/);
    await expect(loadConfig(join(dir, 'nowhere'), {})).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
    });
  });
});
