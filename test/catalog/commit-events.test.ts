import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempDir } from '../support/temp-lake.js';

const BACKENDS = [
  { name: 'sqlite', metadata: async () => undefined },
  {
    name: 'postgres',
    metadata: async () => postgresMetadata(await createTestDatabase(inject('postgresUrl'))),
  },
];

describe.each(BACKENDS)(
  'table writes announce their data files in the commit on $name',
  (backend) => {
    let files: { dir: string; cleanup(): Promise<void> };
    let lake: Lake;
    beforeEach(async () => {
      files = await tempDir();
      const metadata = await backend.metadata();
      lake = await Lake.init(join(files.dir, 'lake'), metadata ? { metadata } : {});
    }, 60_000);
    afterEach(async () => {
      await lake.close();
      await files.cleanup();
    });

    it('object.created of each data file commits with table.committed; a write that never commits announces none', async () => {
      const result = await lake.writeTable('raw.orders', [{ id: 1 }, { id: 2 }]);
      const events = await lake.events.read({ tx: 0, id: 0 });
      const committed = events.filter((event) => event.type === 'table.committed');
      expect(committed).toHaveLength(1);
      const created = events.filter((event) => event.type === 'object.created');
      const dataFiles = (
        await lake.services.catalog.files(await lake.services.catalog.getTable('raw.orders'))
      ).map((file) => file.path);
      expect(created.map((event) => event.subject).sort()).toEqual([...dataFiles].sort());
      // One transaction: on PostgreSQL the same transaction id; on SQLite (one writer) adjacent ids.
      for (const event of created) expect(event.position.tx).toBe(committed[0]!.position.tx);
      const ids = [...created, committed[0]!].map((event) => event.id);
      expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
      expect(result.snapshot.id).toBe(committed[0]!.payload['snapshotId']);

      const head = await lake.events.head();
      await expect(
        lake.writeTable('raw.orders', [{ id: 3 }], {
          beforeCommit: async () => {
            throw new Error('the process dies before its commit');
          },
        }),
      ).rejects.toThrow('dies before its commit');
      expect(await lake.events.read(head)).toEqual([]);
    });
  },
);
