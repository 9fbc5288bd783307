import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { serve, type RunningServe } from '../../src/server/serve.js';
import { eventually } from '../support/cli-process.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

const execFileAsync = promisify(execFile);

// The reference flow's Lambda handler: crawl what landed, then start the transformation.
const HANDLER = `
export async function handler(event: { detail: { key: string } }, context: any) {
  context.logger.info('landed: ' + event.detail.key);
  await context.lake.crawlers.run('raw_sales');
  const run = await context.lake.jobs.start('data_transformation');
  return { runId: run.id };
}`;

// Writes the table it listens to, so each invocation raises the event that triggers the next.
const LOOPER = `
export async function handler(event: unknown, context: any) {
  await context.lake.writeTable('loop.t', [{ n: 1 }], { mode: 'append' });
}`;

describe('the reference flow: a file lands, a trigger calls a function, the function starts a job', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function lakeWithServe(): Promise<{ lake: Lake; files: string; served: RunningServe }> {
    const made = await tempLake();
    cleanups.push(made.cleanup);
    const files = await tempDir('lakebox-flow-');
    cleanups.push(files.cleanup);
    const served = await serve(made.lake, { port: 0, log: () => undefined, dispatchPollMs: 50 });
    cleanups.push(() => served.stop());
    return { lake: made.lake, files: files.dir, served };
  }

  /** The crawler, the job, the function and the trigger of the reference flow. */
  async function referenceFlow(lake: Lake, files: string): Promise<void> {
    await lake.crawlers.create('raw_sales', { database: 'raw', targets: [{ path: 'raw/sales/' }] });
    await lake.crawlers.run('raw_sales');
    await lake.jobs.create('data_transformation', {
      sql: 'select id, upper(item) as item, amount * 2 as amount from raw.sales',
      target: 'processed.sales',
      bookmarks: true,
    });
    await writeFile(join(files, 'start-transformation.ts'), HANDLER);
    await lake.functions.deploy(join(files, 'start-transformation.ts'), {
      name: 'start-transformation',
    });
    await lake.triggers.create({
      name: 'new-sales',
      pattern: { type: 'object.created', zone: 'raw', prefix: 'sales/', suffix: '.csv' },
      target: 'function:start-transformation',
    });
  }

  const processedSales = (lake: Lake) =>
    eventually(async () => {
      const tables = await lake.listTables();
      if (!tables.some((t) => t.database === 'processed' && t.name === 'sales')) return undefined;
      const found = (
        await lake.query('select id, item, amount from processed.sales order by id')
      ).rows();
      return found.length === 2 ? found : undefined;
    }, 'processed.sales to get the rows of the landed file');

  it('a CSV synced into raw/sales/ ends up in processed.sales', async () => {
    const { lake, files } = await lakeWithServe();
    const share = join(files, 'share');
    await mkdir(share);
    await referenceFlow(lake, files);
    await lake.sync.createTask('sales-share', { from: share, to: 'lake://raw/sales' });

    await writeFile(join(share, 'day-1.csv'), 'id,item,amount\n1,apple,10\n2,pear,20\n');
    expect((await lake.sync.run('sales-share')).status).toBe('succeeded');
    const rows = await processedSales(lake);
    expect(rows).toEqual([
      { id: 1, item: 'APPLE', amount: 20 },
      { id: 2, item: 'PEAR', amount: 40 },
    ]);
    const [delivery] = (await lake.triggers.status('new-sales')).recent;
    const invocation = await lake.runs.get(delivery!.runId!);
    expect(invocation).toMatchObject({ kind: 'function', status: 'succeeded', chainDepth: 1 });
    const [job] = await lake.jobs.runs('data_transformation', { limit: 1 });
    // The job was started by the function that the trigger started: one link down the chain.
    expect(job).toMatchObject({ status: 'succeeded', chainDepth: 1 });
  });

  it('a CSV copied into the zone folder with cp, not through the lake, ends up there too', async () => {
    const { lake, files } = await lakeWithServe();
    await referenceFlow(lake, files);
    const csv = join(files, 'day-2.csv');
    await writeFile(csv, 'id,item,amount\n1,apple,10\n2,pear,20\n');
    // The zone is a folder on disk; another tool writes into it.
    await mkdir(join(lake.dir, 'raw', 'sales'), { recursive: true });
    await execFileAsync('cp', [csv, join(lake.dir, 'raw', 'sales', 'day-2.csv')]);
    expect(await processedSales(lake)).toEqual([
      { id: 1, item: 'APPLE', amount: 20 },
      { id: 2, item: 'PEAR', amount: 40 },
    ]);
    const [created] = await lake.events.list({
      type: 'object.created',
      subject: 'raw/sales/day-2.csv',
    });
    expect(created).toMatchObject({ source: 'scan' });
    expect((await lake.triggers.status('new-sales')).counts.started).toBe(1);
  });

  it('a function that triggers itself is stopped at the maximum chain depth', async () => {
    const { lake, files } = await lakeWithServe();
    await writeFile(join(files, 'looper.ts'), LOOPER);
    await lake.functions.deploy(join(files, 'looper.ts'), { name: 'looper' });
    await lake.writeTable('loop.t', [{ n: 0 }]);
    await lake.triggers.create({
      name: 'loop',
      pattern: { type: 'table.committed', table: 'loop.t' },
      target: 'function:looper',
    });
    await lake.writeTable('loop.t', [{ n: 0 }], { mode: 'append' });
    const { maxChainDepth } = lake.config.triggers;
    const status = await eventually(async () => {
      const found = await lake.triggers.status('loop', { limit: 50 });
      return found.counts.stopped > 0 ? found : undefined;
    }, 'the loop to be stopped');
    expect(status.counts).toEqual({ started: maxChainDepth, failed: 0, stopped: 1 });
    expect(status.recent.map((d) => d.chainDepth)).toEqual(
      Array.from({ length: maxChainDepth + 1 }, (_, i) => maxChainDepth + 1 - i),
    );
    expect(status.recent[0]!.error).toMatch(/triggers.maxChainDepth \(5\)/);
    const rows = (await lake.query('select count(*) as n from loop.t')).rows();
    expect(rows).toEqual([{ n: 2 + maxChainDepth }]);
    const [stopped] = await lake.events.list({ type: 'trigger.stopped' });
    expect(stopped).toMatchObject({ subject: 'loop', payload: { chainDepth: maxChainDepth + 1 } });
  });
});
