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
});
