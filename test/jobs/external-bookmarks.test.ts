import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';

/**
 * Bookmarks over an external table, through real job runs: files land under raw/ (as a
 * sync task drops them), a crawler registers them, and the job must read each file exactly
 * once however the runs and the crawls interleave.
 */
describe('job bookmarks on a crawled external table', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
    await lake.jobs.create('copy_events', {
      sql: 'select id, day, url from web.events',
      target: 'curated.events',
      bookmarks: true,
    });
  });
  afterEach(() => cleanup());

  /** One CSV file of `ids` rows under a Hive partition folder, then a crawl registering it. */
  async function land(key: string, ids: number[]): Promise<void> {
    const path = join(dir, 'raw/web/events', key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `id,url\n${ids.map((id) => `${id},/p/${id}`).join('\n')}\n`);
  }
  const crawl = async () => {
    const run = await lake.crawlers.crawl({ database: 'web', targets: [{ path: 'raw/web/' }] });
    expect(run.status).toBe('succeeded');
  };
  const run = async () => {
    const ended = await lake.jobs.run('copy_events');
    expect(ended.status).toBe('succeeded');
    // CSV files are registered without row counts: a run must not claim it read 0 rows.
    if (ended.metrics['filesRead']! > 0) expect(ended.metrics['rowsRead']).toBeUndefined();
    return ended;
  };
  const targetIds = async () =>
    (await lake.query('select id from curated.events order by id'))
      .rows()
      .map((r) => Number(r['id']));
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

  it('reads each landed file once: new files only, then everything again after a reset', async () => {
    await land('day=2026-01-01/a.csv', [1, 2, 3]);
    await land('day=2026-01-02/b.csv', [4, 5]);
    await crawl();
    const first = await run();
    expect(first.metrics).toMatchObject({ filesRead: 2, rowsWritten: 5 });
    expect(await lake.jobs.bookmark('copy_events')).toMatchObject([
      { inputTable: 'web.events', filesConsumed: 2, runId: first.id },
    ]);

    // Landed but not yet crawled: not in the table, so not read (and not lost either).
    await land('day=2026-01-02/c.csv', [6, 7]);
    const idle = await run();
    expect(idle.metrics).toMatchObject({ filesRead: 0, rowsRead: 0, rowsWritten: 0 });

    await land('day=2026-01-03/d.csv', [8, 9, 10]);
    await crawl();
    const second = await run();
    expect(second.metrics).toMatchObject({ filesRead: 2, rowsWritten: 5 });
    expect(await targetIds()).toEqual(range(1, 11)); // nothing skipped, nothing twice
    expect((await lake.query('select count(*) as n from curated.events')).rows()).toEqual([
      { n: 10 },
    ]);

    // Rewind forgets the second run's files only: the next run reads exactly those again.
    expect(await lake.jobs.rewindBookmark('copy_events')).toEqual([second.id]);
    const again = await run();
    expect(again.metrics).toMatchObject({ filesRead: 2, rowsWritten: 5 });

    await lake.jobs.resetBookmark('copy_events');
    const whole = await run();
    expect(whole.metrics).toMatchObject({ filesRead: 4, rowsWritten: 10 });
    expect(await lake.jobs.bookmark('copy_events')).toMatchObject([
      { filesConsumed: 4, runId: whole.id },
    ]);
  });

  it('reads a file again when it is replaced under the same name, as Glue does for modified objects', async () => {
    await land('day=2026-01-01/today.csv', [1, 2]);
    await crawl();
    await run();
    // The writer rewrote the file with more rows: skipping it would lose rows 3 and 4.
    await land('day=2026-01-01/today.csv', [1, 2, 3, 4]);
    await crawl();
    const second = await run();
    expect(second.metrics).toMatchObject({ filesRead: 1, rowsWritten: 4 });
    expect(await targetIds()).toEqual([1, 1, 2, 2, 3, 4]);
    expect(await lake.jobs.bookmark('copy_events')).toMatchObject([{ filesConsumed: 1 }]);
    const idle = await run();
    expect(idle.metrics).toMatchObject({ filesRead: 0, rowsWritten: 0 });
  });

  it('reads only the files of later catalog commits when a writer registers them itself', async () => {
    await lake.createDatabase('feed', { zone: 'raw' });
    const table = await lake.createTable('feed.ticks', {
      kind: 'external',
      format: 'csv',
      location: 'raw/feed/ticks',
      columns: [{ name: 'id', type: 'BIGINT', nullable: true }],
    });
    // A writer that knows its row counts commits them, so rowsRead is exact here.
    const commit = async (name: string, ids: number[]) => {
      const key = `raw/feed/ticks/${name}`;
      const body = `id\n${ids.join('\n')}\n`;
      await lake.services.store.put(key, Buffer.from(body));
      const current = await lake.services.catalog.getTable('feed.ticks');
      await lake.services.catalog.commit({
        table,
        parentSnapshotId: current.currentSnapshotId,
        operation: 'append',
        addFiles: [
          {
            path: key,
            format: 'csv',
            recordCount: ids.length,
            fileSize: Buffer.byteLength(body),
            partitionValues: {},
            columnStats: [],
          },
        ],
      });
    };
    await lake.jobs.create('copy_ticks', {
      sql: 'select id from feed.ticks',
      target: 'curated.ticks',
      bookmarks: true,
    });
    await commit('1.csv', [1, 2, 3]);
    expect((await lake.jobs.run('copy_ticks')).metrics).toMatchObject({
      filesRead: 1,
      rowsRead: 3,
      rowsWritten: 3,
    });
    await commit('2.csv', [4]);
    await commit('3.csv', [5, 6]);
    expect((await lake.jobs.run('copy_ticks')).metrics).toMatchObject({
      filesRead: 2,
      rowsRead: 3,
      rowsWritten: 3,
    });
    expect(
      (await lake.query('select count(distinct id) as d, count(*) as n from curated.ticks')).rows(),
    ).toEqual([{ d: 6, n: 6 }]);
  });
});
