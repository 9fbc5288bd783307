import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { listAll } from '../../src/storage/object-store.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

describe('TypeScript jobs', () => {
  let lake: Lake;
  let cleanup: () => Promise<void>;
  let files: { dir: string; cleanup(): Promise<void> };

  beforeEach(async () => {
    ({ lake, cleanup } = await tempLake());
    files = await tempDir();
    await lake.writeTable('sales.orders', {
      sql: "select range as id, ['ann', 'bob'][(range % 2) + 1] as customer, range * 2.0 as amount from range(6)",
    });
  });
  afterEach(async () => {
    await cleanup();
    await files.cleanup();
  });

  const module = async (name: string, code: string) => {
    const path = join(files.dir, name);
    await writeFile(path, code);
    return path;
  };

  it('bundles the module into the artifacts zone and writes the relation it returns', async () => {
    const helper = await module('min-amount.ts', 'export const minAmount: number = 2;\n');
    const path = await module(
      'totals.ts',
      `import { minAmount } from './min-amount.js';
       interface Relation { rows(): Promise<Record<string, unknown>[]> }
       export async function transform(inputs: Record<string, Relation>, ctx: { sql(q: string): unknown; parameters: Record<string, string>; log(m: string): void }) {
         const seen = await inputs.orders!.rows();
         ctx.log('read ' + seen.length + ' orders');
         return ctx.sql(\`select customer, sum(amount) as total, \${ctx.parameters.tag} as tag from \${inputs.orders} where amount >= \${minAmount} group by customer\`);
       }`,
    );
    void helper;
    const job = await lake.jobs.create('totals', {
      module: path,
      inputs: ['sales.orders'],
      target: 'curated.totals',
      mode: 'overwrite',
      parameters: { tag: '1' },
    });
    expect(job).toMatchObject({ kind: 'typescript', inputs: ['sales.orders'] });
    expect(job.artifact).toMatch(/^artifacts\/jobs\/totals\/transform-[0-9a-f]{16}\.mjs$/);
    const stored = [];
    for await (const object of listAll(lake.services.store, 'artifacts/jobs/totals/'))
      stored.push(object.key);
    expect(stored).toEqual([job.artifact]);

    const run = await lake.jobs.run('totals');
    expect(run).toMatchObject({ status: 'succeeded', metrics: { rowsRead: 6, rowsWritten: 2 } });
    expect(
      (
        await lake.query('select customer, total, tag from curated.totals order by customer')
      ).rows(),
    ).toEqual([
      { customer: 'ann', total: 12, tag: 1 },
      { customer: 'bob', total: 18, tag: 1 },
    ]);
    expect((await lake.jobs.logs(run.id)).map((l) => l.message)).toContain(
      'transform: read 6 orders',
    );
  });

  it('writes records and Arrow tables that a transform returns, with bookmarks', async () => {
    const path = await module(
      'records.mjs',
      `export async function transform(inputs) {
         const rows = await inputs['sales.orders'].rows();
         return rows.map((r) => ({ id: r.id, doubled: r.amount * 2 }));
       }`,
    );
    await lake.jobs.create('doubled', {
      module: path,
      inputs: ['sales.orders'],
      target: 'curated.doubled',
      bookmarks: true,
    });
    expect((await lake.jobs.run('doubled')).metrics['rowsWritten']).toBe(6);
    await lake.writeTable('sales.orders', [{ id: 6, customer: 'cy', amount: 1 }]);
    expect((await lake.jobs.run('doubled')).metrics).toMatchObject({ rowsRead: 1, rowsWritten: 1 });

    const arrowPath = await module(
      'arrow.mjs',
      `export async function transform(inputs) { return inputs.orders.arrow(); }`,
    );
    await lake.jobs.create('as_arrow', {
      module: arrowPath,
      inputs: ['sales.orders'],
      target: 'curated.arrowed',
    });
    expect((await lake.jobs.run('as_arrow')).metrics['rowsWritten']).toBe(7);
  });

  it('fails with the message of a transform that throws, keeping the cause, committing nothing', async () => {
    const path = await module(
      'throws.ts',
      `export function transform(): never { throw new TypeError('customer lookup failed for id 7'); }`,
    );
    await lake.jobs.create('throws', {
      module: path,
      inputs: ['sales.orders'],
      target: 'curated.thrown',
      bookmarks: true,
    });
    const errors: unknown[] = [];
    const run = await lake.jobs.run('throws');
    expect(run).toMatchObject({
      status: 'failed',
      error: {
        code: 'TRANSFORM_FAILED',
        message: expect.stringContaining('customer lookup failed for id 7'),
      },
    });
    expect(run.error?.message).toContain('job throws');
    void errors;
    expect(await lake.services.catalog.findTable('curated.thrown')).toBeUndefined();
    expect(await lake.jobs.bookmark('throws')).toEqual([]);

    const bad = await module('bad.ts', 'export const transform = ;');
    await expect(
      lake.jobs.create('bad', { module: bad, inputs: ['sales.orders'], target: 'curated.bad' }),
    ).rejects.toMatchObject({
      code: 'TRANSFORM_BUILD_FAILED',
      message: expect.stringContaining('bad.ts:1'),
    });
    const none = await module('none.ts', 'export const x = 1;');
    await lake.jobs.create('none', {
      module: none,
      inputs: ['sales.orders'],
      target: 'curated.none',
    });
    expect(await lake.jobs.run('none')).toMatchObject({ error: { code: 'TRANSFORM_INVALID' } });
  });

  it('stops a run at its timeout and leaves nothing visible', async () => {
    const path = await module(
      'slow.mjs',
      `export async function transform(inputs, ctx) {
         await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
         return inputs.orders;
       }`,
    );
    await lake.jobs.create('slow', {
      module: path,
      inputs: ['sales.orders'],
      target: 'curated.slow',
      timeoutMs: 50,
      bookmarks: true,
    });
    const run = await lake.jobs.run('slow');
    expect(run).toMatchObject({ status: 'failed', error: { code: 'JOB_TIMEOUT' } });
    expect(await lake.services.catalog.findTable('curated.slow')).toBeUndefined();
    expect(await lake.jobs.bookmark('slow')).toEqual([]);
  });
});
