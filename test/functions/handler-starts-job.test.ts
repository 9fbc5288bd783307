import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CONFIG_FILE } from '../../src/config/lake-config.js';
import { Lake } from '../../src/lake.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

// The reference flow's handler: `glue.start_job_run(JobName='DataTransformationJob')`.
const HANDLER = `
export async function handler(event: { key: string; hang?: boolean }, context: any) {
  context.logger.info('starting the transformation for ' + event.key);
  const run = await context.lake.jobs.start('data_transformation', { parameters: { source: event.key } });
  // Stopped at its deadline: the thread ends with the job queued, not finished.
  if (event.hang) for (;;) {}
  return { runId: run.id, status: run.status };
}`;

/** `raw.sales` with `rows` rows, the job that transforms it, and the handler's file. */
async function setUpFlow(
  lake: Lake,
  rows: number,
  cleanups: Array<() => Promise<void>>,
): Promise<string> {
  const files = await tempDir('lakebox-handler-job-');
  cleanups.push(files.cleanup);
  await lake.writeTable('raw.sales', {
    sql: `select range as id, 'x' || range as item from range(${rows})`,
  });
  await lake.jobs.create('data_transformation', {
    sql: 'select id, upper(item) as item, ${source} as source from raw.sales',
    target: 'processed.sales',
    parameters: { source: 'none' },
  });
  const path = join(files.dir, 'start-job.ts');
  await writeFile(path, HANDLER);
  return path;
}

/**
 * A handler starts a job through `context.lake`: the run is queued by the Lake inside the
 * worker thread but performed by the host's executor, so it outlives the thread (which here
 * ends as soon as the handler returns) and is not run under the function's memory limit.
 */
describe.each([
  ['SQLite (embedded)', undefined],
  ['PostgreSQL metadata', 'postgres'],
] as const)('a handler that starts a job, on %s', (_label, metadata) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("queues the job for the host, which runs it: the job's table gets its rows", async () => {
    const made = await tempLake(
      metadata
        ? { metadata: postgresMetadata(await createTestDatabase(inject('postgresUrl'))) }
        : {},
    );
    const lake: Lake = made.lake;
    cleanups.push(made.cleanup);
    const path = await setUpFlow(lake, 5, cleanups);
    await lake.functions.deploy(path, { name: 'start-transformation', concurrency: 1 });

    const { run, result } = await lake.functions.invoke('start-transformation', {
      key: 'raw/sales/day.csv',
    });
    const started = result as { runId: string; status: string };
    expect(started.status).toBe('queued');
    // The function's workers end at once, so the job must not depend on the thread.
    await lake.functions.close();
    const job = await lake.runs.wait(started.runId);
    expect(job.error).toBeNull();
    expect(job).toMatchObject({ kind: 'job', name: 'data_transformation', status: 'succeeded' });
    expect(job.worker?.split('#')[0]).toBe(run.worker?.split('#')[0]);
    const rows = (
      await lake.query('select count(*) as n, min(source) as source from processed.sales')
    ).rows();
    expect(rows).toEqual([{ n: 5, source: 'raw/sales/day.csv' }]);

    // A handler stopped at its timeout right after starting the job: the job still runs.
    // The timeout also covers the new thread's loading of the module and the SDK, which on
    // a loaded machine takes seconds: give it room, so that the handler does start the job.
    await lake.functions.deploy(path, { name: 'start-and-hang', timeoutMs: 10_000 });
    await expect(
      lake.functions.invoke('start-and-hang', { key: 'raw/sales/late.csv', hang: true }),
    ).rejects.toMatchObject({ code: 'USER_CODE_TIMEOUT' });
    const [late] = await lake.jobs.runs('data_transformation', { limit: 1 });
    expect((await lake.runs.wait(late!.id)).status).toBe('succeeded');
    expect(
      (
        await lake.query(
          "select count(*) as n from processed.sales where source = 'raw/sales/late.csv'",
        )
      ).rows(),
    ).toEqual([{ n: 5 }]);
  });
});

/** With workers: the function runs on a worker, and the job it starts goes to the queue. */
describe('a handler that starts a job, on a lake whose runs go to workers', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('queues the job on the PostgreSQL queue, and a worker runs it', async () => {
    const made = await tempLake({
      metadata: postgresMetadata(await createTestDatabase(inject('postgresUrl'))),
    });
    cleanups.push(made.cleanup);
    await made.lake.close();
    const configPath = join(made.dir, CONFIG_FILE);
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    config['executor'] = { mode: 'workers', heartbeatMs: 200, lostAfterMs: 3000 };
    await writeFile(configPath, JSON.stringify(config));
    const lake = await Lake.open(made.dir);
    cleanups.push(() => lake.close());
    const worker = await lake.work({ concurrency: 4 });
    cleanups.push(() => worker.stop());
    await lake.functions.deploy(await setUpFlow(lake, 3, cleanups), {
      name: 'start-transformation',
    });
    const { result } = await lake.functions.invoke('start-transformation', {
      key: 'raw/sales/w.csv',
    });
    const job = await lake.runs.wait((result as { runId: string }).runId);
    expect(job).toMatchObject({ kind: 'job', status: 'succeeded', worker: worker.id });
    expect((await lake.query('select count(*) as n from processed.sales')).rows()).toEqual([
      { n: 3 },
    ]);
  });
});
