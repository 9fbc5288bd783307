import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

/** Jobs, syncs and migrations raise events of their own kind beside `run.*`, with metrics. */
describe('run events by kind', () => {
  let lake: Lake;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    const made = await tempLake();
    lake = made.lake;
    cleanups.push(made.cleanup);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('a job run raises job.started, then job.succeeded with its metrics, in the run transaction', async () => {
    await lake.writeTable('raw.orders', [{ id: 1 }, { id: 2 }]);
    await lake.jobs.create('copy_orders', {
      sql: 'select * from raw.orders',
      target: 'curated.orders',
    });
    const run = await lake.jobs.run('copy_orders');
    const events = await lake.events.list({ subject: run.id });
    expect(events.map((e) => e.type)).toEqual([
      'run.queued',
      'run.running',
      'job.started',
      'run.succeeded',
      'job.succeeded',
    ]);
    expect(events.at(-1)).toMatchObject({
      source: `run:${run.id}`,
      payload: {
        runId: run.id,
        name: 'copy_orders',
        status: 'succeeded',
        metrics: { rowsWritten: 2 },
      },
    });
  });

  it('a failed job raises job.failed, and a sync sync.succeeded', async () => {
    await lake.jobs.create('broken', { sql: 'select * from raw.nope', target: 'curated.broken' });
    const failed = await lake.jobs.run('broken');
    expect(failed.status).toBe('failed');
    expect((await lake.events.list({ type: 'job.failed' })).map((e) => e.subject)).toEqual([
      failed.id,
    ]);

    const files = await tempDir('lakebox-kind-events-');
    cleanups.push(files.cleanup);
    await mkdir(join(files.dir, 'in'));
    await writeFile(join(files.dir, 'in', 'a.csv'), 'id\n1\n');
    await lake.sync.createTask('in', { from: join(files.dir, 'in'), to: 'lake://raw/in' });
    const synced = await lake.sync.run('in');
    const [succeeded] = await lake.events.list({ type: 'sync.succeeded' });
    expect(succeeded).toMatchObject({
      subject: synced.id,
      payload: { kind: 'sync', metrics: expect.any(Object) },
    });
    expect(lake.events.types()['sync.failed']).toBe('a sync execution failed');
  });
});
