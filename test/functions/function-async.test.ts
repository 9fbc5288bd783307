import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

/** Asynchronous invocations: retried twice with backoff, then dead letters that replay. */
describe('asynchronous invocations and dead letters', () => {
  let lake: Lake;
  let dir: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const made = await tempLake();
    lake = made.lake;
    cleanups.push(made.cleanup);
    const files = await tempDir('lakebox-async-');
    dir = files.dir;
    cleanups.push(files.cleanup);
    // Fails while the flag file says so: the test decides when it recovers, not a clock.
    const flag = join(dir, 'failing');
    await writeFile(flag, 'yes');
    const path = join(dir, 'flaky.ts');
    await writeFile(
      path,
      `import { readFileSync } from 'node:fs';
       export function handler(event: { order: number }) {
         if (readFileSync(${JSON.stringify(flag)}, 'utf8') === 'yes') throw new Error('downstream refused order ' + event.order);
         return { processed: event.order };
       }`,
    );
    await lake.functions.deploy(path, { name: 'flaky' });
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('returns a queued run at once; one idempotency key gives one run', async () => {
    const first = await lake.functions.invokeAsync(
      'flaky',
      { order: 1 },
      { idempotencyKey: 'k-1' },
    );
    expect(first).toMatchObject({ kind: 'function', name: 'flaky', maxAttempts: 3 });
    const again = await lake.functions.invokeAsync(
      'flaky',
      { order: 1 },
      { idempotencyKey: 'k-1' },
    );
    expect(again.id).toBe(first.id);
    await lake.runs.wait(first.id);
  });

  it('fails three attempts with backoff, then lists the event as a dead letter that replays', async () => {
    const queued = await lake.functions.invokeAsync('flaky', { order: 7 });
    const last = await lake.runs.wait(queued.id);
    expect(last).toMatchObject({
      status: 'failed',
      attempt: 3,
      error: { code: 'USER_CODE_FAILED', message: expect.stringContaining('refused order 7') },
    });
    const attempts = (await lake.functions.invocations('flaky'))
      .filter(
        (run) =>
          run.parameters['event'] && (run.parameters['event'] as { order: number }).order === 7,
      )
      .sort((a, b) => a.attempt - b.attempt);
    expect(attempts.map((run) => run.attempt)).toEqual([1, 2, 3]);
    // Backoff: each retry was not started before the previous attempt's end plus its delay.
    expect(
      attempts[1]!.startedAt!.getTime() - attempts[0]!.endedAt!.getTime(),
    ).toBeGreaterThanOrEqual(400);
    expect(
      attempts[2]!.startedAt!.getTime() - attempts[1]!.endedAt!.getTime(),
    ).toBeGreaterThanOrEqual(900);

    const letters = await lake.functions.deadLetters({ function: 'flaky' });
    const letter = letters.find((l) => (l.event as { order: number }).order === 7)!;
    expect(letter).toMatchObject({
      function: 'flaky',
      version: 1,
      attempts: 3,
      runId: last.id,
      error: { code: 'USER_CODE_FAILED' },
      replayedAt: null,
    });

    await writeFile(join(dir, 'failing'), 'no');
    const [replayed] = await lake.functions.replay(letter.id);
    expect(replayed).toMatchObject({ id: letter.id, replayedAt: expect.any(Date) });
    const run = await lake.runs.wait(replayed!.replayRunId!);
    expect(run.status).toBe('succeeded');
    expect(await lake.functions.result(run.id)).toEqual({ processed: 7 });
    // A replayed letter leaves the list; replaying it again queues nothing new.
    expect((await lake.functions.deadLetters()).map((l) => l.id)).not.toContain(letter.id);
    const twice = await lake.functions.replay(letter.id);
    expect(twice[0]!.replayRunId).toBe(replayed!.replayRunId);
    await expect(lake.functions.replay(99_999)).rejects.toMatchObject({
      code: 'DEAD_LETTER_NOT_FOUND',
    });
  });

  it("replays every letter with 'all'", async () => {
    await writeFile(join(dir, 'failing'), 'yes');
    const runs = await Promise.all(
      [1, 2].map((order) => lake.functions.invokeAsync('flaky', { order: 100 + order })),
    );
    await Promise.all(runs.map((run) => lake.runs.wait(run.id)));
    expect((await lake.functions.deadLetters()).length).toBeGreaterThanOrEqual(2);
    await writeFile(join(dir, 'failing'), 'no');
    const replayed = await lake.functions.replay('all');
    expect(replayed.length).toBeGreaterThanOrEqual(2);
    const ended = await Promise.all(replayed.map((l) => lake.runs.wait(l.replayRunId!)));
    expect(ended.every((run) => run.status === 'succeeded')).toBe(true);
    expect(await lake.functions.deadLetters()).toEqual([]);
  });
});
