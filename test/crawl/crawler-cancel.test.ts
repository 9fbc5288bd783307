import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileSchemaProbe } from '../../src/engine/file-schema-probe.js';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';
import { drop } from './crawl-fixture.js';

/**
 * Cancelling a crawl mid-run. The run is held at a known point by a latch on a real part
 * (the probe, the catalog's commit), cancelled while held, then released: no timing is
 * assumed, and what the crawl does after the release is what cancellation must stop.
 */
describe('cancelling a crawl', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await cleanup();
  });

  it('stops while classifying: no table is registered, and the next run crawls it all', async () => {
    // Look-alike files form one group, probed file by file: the check must sit between files.
    for (let i = 0; i < 6; i++) await drop(dir, `raw/c/t/f${i}.csv`, `id,v\n${i},x${i}\n`);
    await drop(dir, 'raw/c/u/a.csv', 'k\n1\n');
    const latch = holdFirstCall(FileSchemaProbe.prototype, 'sniffCsv');
    await lake.crawlers.create('c', { database: 'c', targets: [{ path: 'raw/c/' }] });

    const run = await lake.crawlers.start('c');
    await latch.reached;
    await lake.runs.cancel(run.id);
    latch.release();
    const ended = await lake.runs.wait(run.id);

    expect(ended.status).toBe('cancelled');
    expect(latch.calls()).toBe(1);
    expect(await lake.services.catalog.listTables('c')).toEqual([]);
    expect(await lake.crawlers.summary(run.id)).toBeUndefined();
    expect(await eventTypes(lake)).not.toContain('crawler.succeeded');

    const next = await lake.crawlers.run('c');
    expect(next.status).toBe('succeeded');
    expect(next.metrics).toMatchObject({ filesNew: 7, filesRegistered: 7, tablesCreated: 2 });
    expect((await lake.query('select sum(id) as s from c.t')).rows()).toEqual([{ s: 15 }]);
  });

  it('stops between table commits: each table committed whole or not at all', async () => {
    for (const t of ['a', 'b', 'c']) await drop(dir, `raw/d/${t}/1.csv`, 'n\n1\n');
    await lake.crawlers.create('d', { database: 'd', targets: [{ path: 'raw/d/' }] });
    expect((await lake.crawlers.run('d')).metrics).toMatchObject({ tablesCreated: 3 });
    const before = await snapshots(lake, ['d.a', 'd.b', 'd.c']);

    for (const t of ['a', 'b', 'c']) await drop(dir, `raw/d/${t}/2.csv`, 'n\n2\n');
    await drop(dir, 'raw/d/new/1.csv', 'n\n5\n');
    const latch = holdFirstCall(lake.services.catalog, 'commit');
    const run = await lake.crawlers.start('d');
    await latch.reached;
    await lake.runs.cancel(run.id);
    latch.release();
    const ended = await lake.runs.wait(run.id);
    expect(ended.status).toBe('cancelled');

    // A table created by the run exists only with its first snapshot: its creation and
    // first commit are one unit. Updates of existing tables stop at the cancellation.
    expect(latch.calls()).toBe(1);
    expect(await rowsOf(lake, 'd.new')).toEqual([5]);
    expect(await snapshots(lake, ['d.a', 'd.b', 'd.c'])).toEqual(before);
    for (const t of ['a', 'b', 'c']) expect(await rowsOf(lake, `d.${t}`)).toEqual([1]);
    vi.restoreAllMocks();

    const next = await lake.crawlers.run('d');
    expect(next.status).toBe('succeeded');
    expect(next.metrics).toMatchObject({
      filesNew: 3,
      filesRegistered: 3,
      tablesCreated: 0,
      tablesUpdated: 3,
    });
    for (const t of ['a', 'b', 'c']) expect(await rowsOf(lake, `d.${t}`)).toEqual([1, 2]);
    expect(await rowsOf(lake, 'd.new')).toEqual([5]);

    // The file registered by the cancelled run is known to the crawler: a change to it is seen.
    await drop(dir, 'raw/d/new/1.csv', 'n\n6\n7\n');
    const changed = await lake.crawlers.run('d');
    expect(changed.metrics).toMatchObject({ filesChanged: 1, tablesUpdated: 1 });
    expect(await rowsOf(lake, 'd.new')).toEqual([6, 7]);
  });
});

/**
 * Replaces `object[method]` so that its first call waits until `release()`; `reached`
 * resolves once that call has begun. Later calls go straight through.
 */
function holdFirstCall<T extends object, K extends keyof T & string>(
  object: T,
  method: K,
): { reached: Promise<void>; release(): void; calls(): number } {
  let arrive!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const original = object[method] as (...args: unknown[]) => Promise<unknown>;
  let calls = 0;
  vi.spyOn(object, method as never).mockImplementation(async function (
    this: unknown,
    ...args: unknown[]
  ) {
    calls++;
    if (calls === 1) {
      arrive();
      await released;
    }
    return original.apply(this, args);
  } as never);
  return { reached, release, calls: () => calls };
}

async function snapshots(lake: Lake, tables: string[]): Promise<Array<number | null>> {
  return Promise.all(
    tables.map(async (t) => (await lake.services.catalog.getTable(t)).currentSnapshotId),
  );
}

async function rowsOf(lake: Lake, table: string): Promise<number[]> {
  const rows = (await lake.query(`select n from ${table} order by n`)).rows() as Array<{
    n: number;
  }>;
  return rows.map((r) => r.n);
}

async function eventTypes(lake: Lake): Promise<string[]> {
  return (await lake.listEvents({ type: 'crawler.*' })).map((e) => e.type);
}
