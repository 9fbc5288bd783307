import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CRAWLER_KIND } from '../../src/crawl/crawler-kind.js';
import { normalizeSpec } from '../../src/crawl/crawler-spec.js';
import { EventLog } from '../../src/events/event-log.js';
import { JOB_KIND } from '../../src/jobs/job-kind.js';
import { jobDefinition } from '../../src/jobs/job-spec.js';
import type { MetaDb } from '../../src/meta/meta-db.js';
import { MIGRATION_TASK_KIND } from '../../src/migrate/db/migration-task-kind.js';
import { DEFAULT_SETTINGS } from '../../src/migrate/db/migration-task.js';
import { SOURCE_KIND } from '../../src/migrate/db/source-kind.js';
import { parseSourceSettings } from '../../src/migrate/db/source-settings.js';
import { SYNC_TASK_KIND } from '../../src/migrate/files/sync-task-kind.js';
import { DEFAULT_SYNC_OPTIONS } from '../../src/migrate/files/sync-options.js';
import { RULESET_KIND } from '../../src/quality/store/ruleset-kind.js';
import { RecordStore } from '../../src/resources/record-store.js';
import type { ResourceKind } from '../../src/resources/resource-kind.js';
import { META_BACKENDS } from '../support/meta-backends.js';

/** One kind under test: its descriptor, a record to store under a name, and its error codes. */
interface KindCase {
  label: string;
  kind: ResourceKind<{ name: string }, { name: string }>;
  input(name: string, version: number): { name: string };
  /** What of a stored record shows which version of the input it holds. */
  version(record: { name: string }): unknown;
  notFound: string;
  exists: string;
}

const KINDS: KindCase[] = [
  {
    label: 'job',
    kind: JOB_KIND as unknown as KindCase['kind'],
    input: (name, version) => jobDefinition(name, { sql: `select ${version}`, target: 'a.b' }),
    version: (record) => (record as { sql?: string }).sql,
    notFound: 'JOB_NOT_FOUND',
    exists: 'JOB_EXISTS',
  },
  {
    label: 'ruleset',
    kind: RULESET_KIND as unknown as KindCase['kind'],
    input: (name, version) => ({
      name,
      rules: `Rules = [ RowCount > ${version} ]`,
      description: null,
    }),
    version: (record) => (record as { rules?: string }).rules,
    notFound: 'RULESET_NOT_FOUND',
    exists: 'RULESET_EXISTS',
  },
  {
    label: 'sync task',
    kind: SYNC_TASK_KIND as unknown as KindCase['kind'],
    input: (name, version) => ({
      name,
      source: { type: 'local', path: `/data/v${version}` },
      destination: { type: 'lake', zone: 'raw', prefix: 'in/' },
      include: [],
      exclude: [],
      options: DEFAULT_SYNC_OPTIONS,
      schedule: null,
    }),
    version: (record) => JSON.stringify((record as { source?: unknown }).source),
    notFound: 'SYNC_TASK_NOT_FOUND',
    exists: 'SYNC_TASK_EXISTS',
  },
  {
    label: 'crawler',
    kind: CRAWLER_KIND as unknown as KindCase['kind'],
    input: (name, version) => ({
      ...normalizeSpec({ database: `db${version}`, targets: [{ path: 'raw/sales/' }] }),
      name,
    }),
    version: (record) => (record as { database?: string }).database,
    notFound: 'CRAWLER_NOT_FOUND',
    exists: 'CRAWLER_EXISTS',
  },
  {
    label: 'source',
    kind: SOURCE_KIND as unknown as KindCase['kind'],
    input: (name, version) => ({
      name,
      engine: 'postgres',
      settings: parseSourceSettings('postgres', {
        host: `db${version}`,
        database: 'shop',
        user: 'lake',
        password: '${env:SHOP_PW}',
      }),
    }),
    version: (record) => (record as { settings?: { host?: string } }).settings?.host,
    notFound: 'SOURCE_NOT_FOUND',
    exists: 'SOURCE_EXISTS',
  },
  {
    label: 'migration task',
    kind: MIGRATION_TASK_KIND as unknown as KindCase['kind'],
    input: (name, version) => ({
      name,
      source: 'shop',
      targetDatabase: `shop${version}`,
      type: 'full-load',
      mappings: { selection: [{ action: 'include', schema: 'public', table: '%' }] },
      settings: DEFAULT_SETTINGS,
    }),
    version: (record) => (record as { targetDatabase?: string }).targetDatabase,
    notFound: 'MIGRATION_TASK_NOT_FOUND',
    exists: 'MIGRATION_TASK_EXISTS',
  },
];

describe.each(META_BACKENDS)('record store on $name', (backend) => {
  let meta: MetaDb;
  let reopen: () => Promise<MetaDb>;
  let cleanup: () => Promise<void>;
  let events: EventLog;

  beforeEach(async () => {
    ({ meta, reopen, cleanup } = await backend.open());
    events = new EventLog(meta.db, meta.dialect);
  });
  afterEach(() => cleanup());

  describe.each(KINDS)('$label records', (c) => {
    const store = () => new RecordStore(meta.db, events, c.kind);

    it('creates, gets, lists, updates by replacing, and deletes', async () => {
      const records = store();
      await records.create(c.input('orders', 1));
      await records.create(c.input('customers', 1));
      expect((await records.list()).map((r) => r.name)).toEqual(['customers', 'orders']);
      expect(c.version(await records.get('orders'))).toBe(c.version(c.input('orders', 1)));

      const replaced = await records.save(c.input('orders', 2), true);
      expect(c.version(replaced)).toBe(c.version(c.input('orders', 2)));
      await records.delete('orders');
      expect(await records.find('orders')).toBeUndefined();
      expect((await records.list()).map((r) => r.name)).toEqual(['customers']);
    });

    it('refuses a taken name with the kind’s exists code, unless replacing', async () => {
      const records = store();
      await records.create(c.input('orders', 1));
      await expect(records.create(c.input('orders', 2))).rejects.toMatchObject({
        code: c.exists,
      });
      await expect(records.save(c.input('orders', 2), false)).rejects.toMatchObject({
        code: c.exists,
      });
      expect(c.version(await records.get('orders'))).toBe(c.version(c.input('orders', 1)));
    });

    it('names close matches in the kind’s not-found error, for get, update and delete', async () => {
      const records = store();
      await records.create(c.input('orders', 1));
      await records.create(c.input('shipments', 1));
      const error = await records.get('ordrs').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: c.notFound });
      expect((error as Error).message).toContain('orders');
      expect((error as Error).message).not.toContain('shipments');
      await expect(records.update('ordrs', {})).rejects.toMatchObject({ code: c.notFound });
      await expect(records.delete('ordrs')).rejects.toMatchObject({ code: c.notFound });
    });

    it('appends one event per change, with the change', async () => {
      const records = store();
      const before = (await events.list({ type: `${c.kind.eventPrefix}.*` })).length;
      await records.create(c.input('orders', 1));
      await records.save(c.input('orders', 2), true);
      await records.delete('orders');
      await expect(records.delete('orders')).rejects.toMatchObject({ code: c.notFound });
      const appended = (await events.list({ type: `${c.kind.eventPrefix}.*` })).slice(before);
      expect(appended.map((e) => [e.type, e.subject])).toEqual([
        [`${c.kind.eventPrefix}.created`, 'orders'],
        [`${c.kind.eventPrefix}.updated`, 'orders'],
        [`${c.kind.eventPrefix}.deleted`, 'orders'],
      ]);
    });

    it('rolls back the delete and its event when a dependent delete fails', async () => {
      const records = store();
      await records.create(c.input('orders', 1));
      await expect(
        records.delete('orders', () => Promise.reject(new Error('dependent rows locked'))),
      ).rejects.toThrow('dependent rows locked');
      expect(await records.find('orders')).toBeDefined();
      const deleted = await events.list({ type: `${c.kind.eventPrefix}.deleted` });
      expect(deleted).toEqual([]);
    });

    it('lets exactly one of two racing writers create a name, from two connections', async () => {
      const other = await reopen();
      try {
        const mine = store();
        const theirs = new RecordStore(other.db, new EventLog(other.db, other.dialect), c.kind);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 === 0 ? mine : theirs).create(c.input('orders', i)),
          ),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected');
        expect(won).toHaveLength(1);
        for (const o of lost) expect(o.reason).toMatchObject({ code: c.exists });
        expect(await events.list({ type: `${c.kind.eventPrefix}.created` })).toHaveLength(1);
      } finally {
        await other.close();
      }
    });
  });
});
