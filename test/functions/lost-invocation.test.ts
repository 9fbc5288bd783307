import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import type { Run } from '../../src/runs/run.js';
import { eventually } from '../support/cli-process.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-lake.js';

/**
 * The process running an asynchronous invocation's last attempt is SIGKILLed: no handler
 * is left to record the dead letter, so it comes from the run's record (WORKER_LOST).
 */
describe('an asynchronous invocation lost on its last attempt', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let lake: Lake;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-lost-invocation-'));
    expect((await runCli(['init', join(dir, 'lake')])).code).toBe(0);
    const attempts = join(dir, 'attempts');
    await writeFile(attempts, '');
    await writeFile(
      join(dir, 'third-hangs.ts'),
      `import { appendFileSync, readFileSync } from 'node:fs';
       export async function handler() {
         appendFileSync(${JSON.stringify(attempts)}, 'x');
         if (readFileSync(${JSON.stringify(attempts)}, 'utf8').length < 3) throw new Error('not yet');
         appendFileSync(${JSON.stringify(attempts)}, ' hanging');
         await new Promise(() => {});
       }`,
    );
    lake = await Lake.open(join(dir, 'lake'));
  });
  afterAll(async () => {
    await lake.close();
    await cleanup();
  });

  it('is failed WORKER_LOST and listed as a dead letter with its event', async () => {
    const cli = (...args: string[]) => runCli(['--lake', join(dir, 'lake'), ...args]);
    const deployed = await cli(
      'function',
      'deploy',
      join(dir, 'third-hangs.ts'),
      '--name',
      'third-hangs',
      '--timeout',
      '5m',
    );
    expect(deployed.code).toBe(0);
    const queued = await cli(
      '--json',
      'function',
      'invoke',
      'third-hangs',
      '--event',
      '{"order": 9}',
      '--async',
    );
    expect(queued.code).toBe(0);
    const first = JSON.parse(queued.stdout) as Run;
    await eventually(
      async () =>
        (await readFile(join(dir, 'attempts'), 'utf8')).endsWith('hanging') ? true : undefined,
      'the third attempt to start',
    );
    // The background process that runs the invocation: its worker id is host:pid.
    const pid = Number(first.worker!.split(':').at(-1));
    process.kill(pid, 'SIGKILL');

    const letter = await eventually(
      async () => (await lake.functions.deadLetters({ function: 'third-hangs' }))[0],
      'the dead letter of the lost attempt',
    );
    expect(letter).toMatchObject({
      function: 'third-hangs',
      attempts: 3,
      event: { order: 9 },
      error: { code: 'WORKER_LOST' },
    });
    expect(await lake.runs.get(letter.runId)).toMatchObject({ status: 'failed', attempt: 3 });
  });
});
