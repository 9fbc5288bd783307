import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BookmarkStore } from '../../src/jobs/bookmark-store.js';
import { jobDefinition } from '../../src/jobs/job-spec.js';
import { EventLog } from '../../src/events/event-log.js';
import { JOB_KIND } from '../../src/jobs/job-kind.js';
import type { MetaDb } from '../../src/meta/meta-db.js';
import { RecordStore } from '../../src/resources/record-store.js';
import { META_BACKENDS } from '../support/meta-backends.js';

describe.each(META_BACKENDS)('job records and bookmarks on $name', (backend) => {
  let meta: MetaDb;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ meta, cleanup } = await backend.open());
  });
  afterEach(() => cleanup());

  it('stores, replaces, lists and deletes jobs', async () => {
    const jobs = new RecordStore(meta.db, new EventLog(meta.db, meta.dialect), JOB_KIND);
    const saved = await jobs.save(
      jobDefinition('Daily', {
        sql: 'select 1',
        target: 'Sales.Daily',
        mode: 'merge',
        mergeKeys: ['id'],
        partitionBy: ['day(ts)'],
        timeoutMs: 1000,
        quality: { ruleset: 'r', action: 'quarantine' },
      }),
      false,
    );
    expect(saved).toMatchObject({
      name: 'daily',
      kind: 'sql',
      target: 'sales.daily',
      write: { mode: 'merge', mergeKeys: ['id'], partitionBy: ['day(ts)'] },
      timeoutMs: 1000,
      maxConcurrentRuns: 1,
      quality: { ruleset: 'r', action: 'quarantine' },
    });
    await expect(
      jobs.save(jobDefinition('daily', { sql: 'select 2', target: 'a.b' }), false),
    ).rejects.toMatchObject({ code: 'JOB_EXISTS' });
    await jobs.save(jobDefinition('daily', { sql: 'select 2', target: 'a.b' }), true);
    expect((await jobs.list()).map((j) => [j.name, j.sql])).toEqual([['daily', 'select 2']]);
    await jobs.delete('daily');
    await expect(jobs.get('daily')).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it('records bookmarks in a transaction that rolls back with it, rewinds and resets', async () => {
    const bookmarks = new BookmarkStore(meta.db);
    const record = (run: string, snapshot: number, files: string[] = []) =>
      meta.db.transaction().execute((trx) =>
        bookmarks.record(trx, 'j', run, [
          { inputTable: 'raw.a', tableId: 1, snapshotId: snapshot, files: [] },
          { inputTable: 'raw.ext', tableId: 2, snapshotId: null, files },
        ]),
      );
    await record('run_1', 5, ['raw/x/1.csv']);
    await record('run_2', 9, ['raw/x/2.csv', 'raw/x/3.csv']);
    await expect(
      meta.db.transaction().execute(async (trx) => {
        await bookmarks.record(trx, 'j', 'run_3', [
          { inputTable: 'raw.a', tableId: 1, snapshotId: 12, files: [] },
        ]);
        throw new Error('the output commit failed');
      }),
    ).rejects.toThrow('the output commit failed');
    expect(await bookmarks.snapshotOf('j', 1)).toBe(9);
    expect([...(await bookmarks.consumedFiles('j', 2))].sort()).toEqual([
      'raw/x/1.csv',
      'raw/x/2.csv',
      'raw/x/3.csv',
    ]);
    expect(await bookmarks.runs('j')).toEqual(['run_2', 'run_1']);

    expect(await bookmarks.rewind('j', { runs: 1 })).toEqual(['run_2']);
    expect(await bookmarks.snapshotOf('j', 1)).toBe(5);
    expect([...(await bookmarks.consumedFiles('j', 2))]).toEqual(['raw/x/1.csv']);
    await record('run_4', 11);
    expect(await bookmarks.rewind('j', { toRun: 'run_1' })).toEqual(['run_4']);
    expect(
      (await bookmarks.positions('j')).map((p) => [p.inputTable, p.snapshotId, p.filesConsumed]),
    ).toEqual(
      expect.arrayContaining([
        ['raw.a', 5, 0],
        ['raw.ext', null, 1],
      ]),
    );
    await bookmarks.reset('j');
    expect(await bookmarks.positions('j')).toEqual([]);
  });
});
