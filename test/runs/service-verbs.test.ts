import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import type { Run } from '../../src/runs/run.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

/** One service under the shared verbs: its run kind, and start/run/wait/cancel as it spells them. */
interface ServiceCase {
  label: string;
  kind: string;
  start(): Promise<Run>;
  run(): Promise<{ id: string; status: string }>;
  wait(id: string): Promise<{ id: string; status: string }>;
  cancel(id: string): Promise<{ id: string; status: string }>;
}

let lake: Lake;
let cleanup: () => Promise<void>;
let cases: ServiceCase[] = [];

beforeAll(async () => {
  const files = await tempDir();
  const opened = await tempLake();
  lake = opened.lake;
  cleanup = async () => {
    await opened.cleanup();
    await files.cleanup();
  };
  const tree = join(files.dir, 'tree');
  await mkdir(tree);
  await writeFile(join(tree, 'a.csv'), 'id,amount\n1,2.5\n2,4\n');
  const appDb = join(files.dir, 'app.db');
  const db = new Database(appDb);
  db.exec(
    `create table users (id integer primary key, name text); insert into users values (1, 'ann');`,
  );
  db.close();
  await lake.writeTable('air.flights', {
    sql: `SELECT (i * 37) % 24 AS hour, CASE WHEN (i * 37) % 24 > 16 THEN 1 ELSE 0 END AS late FROM range(400) t(i)`,
  });

  await lake.sync.createTask('files', { from: tree, to: 'lake://raw/files' });
  await lake.sources.create('app', { engine: 'sqlite', path: appDb });
  await lake.migrations.create('app', {
    source: 'app',
    targetDatabase: 'app',
    type: 'full-load',
    mappings: { selection: [{ action: 'include', table: '%' }] },
  });
  await lake.crawlers.create('files', { database: 'files', targets: [{ path: 'raw/files/' }] });
  await lake.jobs.create('hours', { sql: 'select hour from air.flights', target: 'curated.hours' });
  await lake.quality.createRuleset('some', 'Rules = [ RowCount > 0 ]');
  const train = { table: 'air.flights', target: 'late', algorithm: 'logistic' as const };

  cases = [
    {
      label: 'sync',
      kind: 'sync',
      start: () => lake.sync.start('files'),
      run: () => lake.sync.run('files'),
      wait: (id) => lake.sync.wait(id),
      cancel: (id) => lake.sync.cancel(id),
    },
    {
      label: 'migrations',
      kind: 'migration',
      start: () => lake.migrations.start('app'),
      run: () => lake.migrations.run('app'),
      wait: (id) => lake.migrations.wait(id),
      cancel: (id) => lake.migrations.cancel(id),
    },
    {
      label: 'crawlers',
      kind: 'crawl',
      start: () => lake.crawlers.start('files'),
      run: () => lake.crawlers.run('files'),
      wait: (id) => lake.crawlers.wait(id),
      cancel: (id) => lake.crawlers.cancel(id),
    },
    {
      label: 'jobs',
      kind: 'job',
      start: () => lake.jobs.start('hours'),
      run: () => lake.jobs.run('hours'),
      wait: (id) => lake.jobs.wait(id),
      cancel: (id) => lake.jobs.cancel(id),
    },
    {
      label: 'quality',
      kind: 'quality',
      start: () => lake.quality.start('some', 'air.flights'),
      run: async () => (await lake.quality.run('some', 'air.flights')).run,
      wait: async (id) => (await lake.quality.wait(id)).run,
      cancel: (id) => lake.quality.cancel(id),
    },
    {
      label: 'ml',
      kind: 'train',
      start: () => lake.ml.start('late', train),
      run: () => lake.ml.run('late', train),
      wait: (id) => lake.ml.wait(id),
      cancel: (id) => lake.ml.cancel(id),
    },
  ];
}, 120_000);

afterAll(() => cleanup());

describe('every service that runs something has start, run, wait and cancel', () => {
  const each = (fn: (c: ServiceCase) => Promise<void>) => async () => {
    for (const c of cases)
      await fn(c).catch((error: unknown) => {
        throw new Error(`${c.label}: ${(error as Error).message}`, { cause: error });
      });
  };

  it(
    'start returns the run queued, before it has ended; wait follows it to its end',
    each(async (c) => {
      const started = await c.start();
      expect(started).toMatchObject({ kind: c.kind, status: 'queued' });
      const ended = await c.wait(started.id);
      expect(ended).toMatchObject({ id: started.id, status: 'succeeded' });
      expect((await lake.runs.get(started.id)).status).toBe('succeeded');
    }),
  );

  it(
    'run starts and waits in one call',
    each(async (c) => {
      const ended = await c.run();
      expect(ended.status).toBe('succeeded');
      expect(await lake.runs.get(ended.id)).toMatchObject({ kind: c.kind, status: 'succeeded' });
    }),
  );

  it(
    'cancel stops a queued run of its kind, and refuses an ended one',
    each(async (c) => {
      // Recorded but handed to no executor: it stays queued until cancelled.
      const queued = await lake.services.runs.create({ kind: c.kind, name: 'held' });
      expect((await c.cancel(queued.id)).status).toBe('cancelled');
      expect(await c.wait(queued.id)).toMatchObject({ status: 'cancelled' });
      await expect(c.cancel(queued.id)).rejects.toMatchObject({ code: 'RUN_NOT_CANCELLABLE' });
    }),
  );

  it(
    'wait and cancel refuse a run of another kind in one clear line, cancelling nothing',
    each(async (c) => {
      const other = await lake.services.runs.create({
        kind: c.kind === 'job' ? 'sync' : 'job',
        name: 'other',
      });
      for (const verb of [c.wait, c.cancel]) {
        const error = await verb(other.id).catch((e: unknown) => e as Error);
        expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
        expect((error as Error).message).toContain(`lakebox run ${other.id}`);
      }
      expect((await lake.runs.get(other.id)).status).toBe('queued');
      await lake.runs.cancel(other.id);
    }),
  );

  it('lake.runs waits for and cancels runs of any kind, and says when one does not exist', async () => {
    const queued = await lake.services.runs.create({ kind: 'job', name: 'any' });
    expect((await lake.runs.cancel(queued.id)).status).toBe('cancelled');
    expect((await lake.runs.wait(queued.id)).status).toBe('cancelled');
    await expect(lake.runs.wait('run_nope')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });
});
