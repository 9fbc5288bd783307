import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAll } from '../../src/storage/object-store.js';
import { Lake } from '../../src/lake.js';
import { exited, printed, spawnScript } from '../support/spawn-node.js';
import { tempLake } from '../support/temp-lake.js';

describe('writers racing and crashing', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
  });
  afterEach(() => cleanup());

  it('lands every row of two processes appending 100 times each, none twice, in 200 snapshots', async () => {
    await lake.writeTable('race.events', [{ worker: 'setup', seq: -1 }]);
    await lake.close();
    const workers = ['a', 'b'].map((worker) =>
      exited(spawnScript('fixtures/append-worker.ts', [dir, worker, '100'])),
    );
    await Promise.all(workers);

    lake = await Lake.open(dir);
    const counts = await lake.query(
      "select worker, count(*) as n, count(distinct seq) as distinct_seq, min(seq) as lo, max(seq) as hi from race.events where worker <> 'setup' group by worker order by worker",
    );
    expect(counts.rows()).toEqual([
      { worker: 'a', n: 100, distinct_seq: 100, lo: 0, hi: 99 },
      { worker: 'b', n: 100, distinct_seq: 100, lo: 0, hi: 99 },
    ]);
    const history = await lake.history('race.events');
    expect(history).toHaveLength(201);
    expect(history[0]!.recordCount).toBe(201);
  }, 180_000);

  it('leaves the table as before when a writer is SIGKILLed before its commit, and vacuum removes the leftovers', async () => {
    await lake.writeTable('crash.t', [{ id: -1 }]);
    const before = await lake.history('crash.t');
    const table = await lake.services.catalog.getTable('crash.t');

    const child = spawnScript('fixtures/crash-before-commit.ts', [dir]);
    await printed(child, 'staged');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));

    expect((await lake.query('select id from crash.t')).rows()).toEqual([{ id: -1 }]);
    expect(await lake.history('crash.t')).toEqual(before);
    const objects = await collect(listAll(lake.services.store, `${table.location}/data/`));
    expect(objects.length).toBeGreaterThan(1); // the committed file and the dead writer's leftovers
    expect((await readdir(join(dir, '.lakebox', 'staging'))).length).toBe(1);

    const kept = await lake.vacuum(); // the default grace period protects files a writer may still commit
    expect(kept.metrics['deletedFiles']).toBe(0);
    const run = await lake.vacuum({ graceMs: 0 });
    expect(run).toMatchObject({ kind: 'vacuum', status: 'succeeded' });
    expect(run.metrics['deletedFiles']).toBe(objects.length - 1);
    expect(run.metrics['stagingFoldersDeleted']).toBe(1);
    const [live] = await lake.services.catalog.files(table);
    expect(
      (await collect(listAll(lake.services.store, `${table.location}/data/`))).map((o) => o.key),
    ).toEqual([live!.path]);
    expect((await lake.query('select id from crash.t')).rows()).toEqual([{ id: -1 }]);
  }, 60_000);

  it('vacuums the files of dropped tables and of overwritten snapshots no live snapshot needs', async () => {
    await lake.writeTable('gone.t', [{ id: 1 }]);
    const table = await lake.services.catalog.getTable('gone.t');
    const [file] = await lake.services.catalog.files(table);
    await lake.dropTable('gone.t');
    expect(existsSync(join(dir, file!.path))).toBe(true); // dropping does not delete at once
    const run = await lake.vacuum({ graceMs: 0 });
    expect(run.metrics['deletedFiles']).toBe(1);
    expect(existsSync(join(dir, file!.path))).toBe(false);

    // Overwritten files stay while a live snapshot (time travel) still reads them.
    await lake.writeTable('keep.t', [{ id: 1 }]);
    await lake.writeTable('keep.t', [{ id: 2 }], { mode: 'overwrite' });
    expect((await lake.vacuum({ graceMs: 0 })).metrics['deletedFiles']).toBe(0);
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const item of items) result.push(item);
  return result;
}
