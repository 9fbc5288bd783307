import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { openMetaDb, type MetaDb } from '../../src/meta/meta-db.js';
import { postgresDialect } from '../../src/meta/dialects/postgres-dialect.js';
import { sqliteDialect } from '../../src/meta/dialects/sqlite-dialect.js';
import { createTestDatabase } from './postgres-server.js';

export interface MetaBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, migrated metadata database; `url` can open it again (another "process"). */
  open(): Promise<{
    meta: MetaDb;
    url: string;
    reopen(): Promise<MetaDb>;
    cleanup(): Promise<void>;
  }>;
}

/** Both metadata dialects, for suites that must pass on each (SQLite file, real PostgreSQL). */
export const META_BACKENDS: MetaBackend[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'lakebox-meta-'));
      const file = join(dir, 'meta.db');
      const meta = await openMetaDb(sqliteDialect(file));
      return {
        meta,
        url: file,
        reopen: () => openMetaDb(sqliteDialect(file)),
        cleanup: async () => {
          await meta.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const url = await createTestDatabase(inject('postgresUrl'));
      const meta = await openMetaDb(postgresDialect(url));
      return {
        meta,
        url,
        reopen: () => openMetaDb(postgresDialect(url)),
        cleanup: () => meta.close(),
      };
    },
  },
];
