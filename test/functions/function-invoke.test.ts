import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

/** Invocations in worker threads: results, logs, context, and every way a handler can fail. */
describe('function invocations', () => {
  let lake: Lake;
  let dir: string;
  const cleanups: Array<() => Promise<void>> = [];
  const handler = async (name: string, source: string) => {
    const path = join(dir, `${name}.ts`);
    await writeFile(path, source);
    return path;
  };

  beforeAll(async () => {
    const made = await tempLake();
    lake = made.lake;
    cleanups.push(made.cleanup);
    const files = await tempDir('lakebox-functions-');
    dir = files.dir;
    cleanups.push(files.cleanup);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('returns the handler result; its logs, invocation id and time left come with the context', async () => {
    await lake.functions.deploy(
      await handler(
        'double',
        `export async function handler(event: { n: number }, context: any) {
           context.logger.info('doubling %d', event.n);
           console.log('from stdout');
           return { doubled: event.n * 2, id: context.invocationId, left: context.remainingTimeMs() > 0 };
         }`,
      ),
      { name: 'double', timeoutMs: 20_000 },
    );
    const { run, result } = await lake.functions.invoke('double', { n: 21 });
    expect(run).toMatchObject({
      kind: 'function',
      name: 'double',
      status: 'succeeded',
      attempt: 1,
    });
    expect(result).toEqual({ doubled: 42, id: run.id, left: true });
    const logs = (await lake.functions.logs('double')).map((entry) => entry.message);
    expect(logs).toContain('doubling 21');
  });

  it('writes and queries tables through context.lake, from its worker thread', async () => {
    await lake.functions.deploy(
      await handler(
        'recorder',
        `export async function handler(event: { order: number }, context: any) {
           await context.lake.writeTable('processed.orders', [{ order_id: event.order, invoked_by: context.invocationId }]);
           return (await context.lake.query('select count(*)::int as n from processed.orders')).rows();
         }`,
      ),
      { name: 'recorder' },
    );
    const first = await lake.functions.invoke('recorder', { order: 1 });
    expect(first.result).toEqual([{ n: 1 }]);
    expect((await lake.functions.invoke('recorder', { order: 2 })).result).toEqual([{ n: 2 }]);
    expect(
      (await lake.query('select order_id, invoked_by from processed.orders order by 1')).rows(),
    ).toEqual([
      { order_id: 1, invoked_by: first.run.id },
      { order_id: 2, invoked_by: expect.stringMatching(/^run_/) },
    ]);
  });

  it.each([
    [
      'throws',
      `export function handler() { throw new TypeError('bad order id'); }`,
      {},
      'USER_CODE_FAILED',
      'bad order id',
    ],
    [
      'hangs',
      `export function handler() { for (;;) {} }`,
      { timeoutMs: 500 },
      'USER_CODE_TIMEOUT',
      'within 500 ms',
    ],
    [
      'hogs',
      `export function handler() { const keep: number[][] = []; for (;;) keep.push(new Array(100000).fill(keep.length)); }`,
      { memoryMb: 96 },
      'USER_CODE_OUT_OF_MEMORY',
      'its 96 MB',
    ],
    [
      'exits',
      `export function handler() { process.exit(3); }`,
      {},
      'USER_CODE_FAILED',
      'process.exit(3)',
    ],
    [
      'rejects',
      `export function handler() { setTimeout(() => Promise.reject(new Error('late failure')), 1); return new Promise(() => {}); }`,
      {},
      'USER_CODE_FAILED',
      'late failure',
    ],
  ])(
    'a handler that %s fails its invocation with that reason; the host serves the next one',
    async (name, source, settings, code, reason) => {
      await lake.functions.deploy(await handler(name, source), { name, ...settings });
      const error = await lake.functions.invoke(name, {}).catch((e: unknown) => e);
      expect(error).toMatchObject({ code, message: expect.stringContaining(reason) });
      const [failed] = await lake.functions.invocations(name, { limit: 1 });
      expect(failed).toMatchObject({ status: 'failed', error: { code }, attempt: 1 });
      expect(process.exitCode ?? 0).toBe(0);
      expect((await lake.functions.invoke('double', { n: 1 })).result).toMatchObject({
        doubled: 2,
      });
    },
  );

  it('runs at most its concurrency of invocations at once; the others wait their turn', async () => {
    await lake.functions.deploy(
      await handler(
        'overlap',
        `import { threadId } from 'node:worker_threads';
         export async function handler() {
           const start = performance.timeOrigin + performance.now();
           await new Promise((r) => setTimeout(r, 50));
           return { threadId, start, end: performance.timeOrigin + performance.now() };
         }`,
      ),
      { name: 'overlap', concurrency: 2 },
    );
    const results = (
      await Promise.all(Array.from({ length: 6 }, () => lake.functions.invoke('overlap', {})))
    ).map((r) => r.result as { threadId: number; start: number; end: number });
    expect(new Set(results.map((r) => r.threadId)).size).toBe(2);
    // From the handlers' own intervals: never more than two at once.
    for (const { start } of results) {
      const running = results.filter((other) => other.start <= start && other.end > start);
      expect(running.length).toBeLessThanOrEqual(2);
    }
  });
});
