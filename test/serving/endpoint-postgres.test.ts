import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempLake } from '../support/temp-lake.js';
import { RECORD, trainDelay } from './fixtures.js';

describe('endpoints on PostgreSQL metadata', () => {
  let lake: Lake;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ lake, cleanup } = await tempLake({
      metadata: postgresMetadata(await createTestDatabase(inject('postgresUrl'))),
    }));
    await trainDelay(lake);
  }, 120_000);
  afterAll(() => cleanup());

  it('keeps records and deployment status, switches on update and forgets a deleted endpoint', async () => {
    await lake.endpoints.create('pg', { variants: [{ name: 'main', model: 'delay:1' }] });
    const host = lake.endpoints.host({ pollMs: 60_000 });
    await host.start();
    try {
      expect((await host.invoke('pg', { json: RECORD })).version).toBe(1);
      await lake.endpoints.update('pg', { variants: [{ name: 'main', model: 'delay:2' }] });
      await host.refresh();
      expect((await host.invoke('pg', { json: RECORD })).version).toBe(2);
      const { deployment } = await lake.endpoints.status('pg');
      expect(deployment).toMatchObject({ state: 'serving' });
      expect(deployment!.serving![0]).toMatchObject({ version: 2 });
      await lake.endpoints.delete('pg');
      await host.refresh();
      expect(host.serving()).toEqual([]);
      await expect(host.invoke('pg', { json: RECORD })).rejects.toMatchObject({
        code: 'ENDPOINT_NOT_FOUND',
      });
    } finally {
      await host.stop();
    }
  });
});
