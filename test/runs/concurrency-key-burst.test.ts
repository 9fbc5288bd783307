import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventLog } from '../../src/events/event-log.js';
import { openMetaDb, type MetaDb } from '../../src/meta/meta-db.js';
import { postgresDialect } from '../../src/meta/dialects/postgres-dialect.js';
import { DistributedExecutor } from '../../src/runs/distributed-executor.js';
import { graphileDispatch } from '../../src/runs/graphile-dispatch.js';
import { RunStore, WorkerRegistry, type Run } from '../../src/runs/index.js';
import { META_BACKENDS } from '../support/meta-backends.js';

const postgres = META_BACKENDS.find((backend) => backend.name === 'postgres')!;
const RUNS = 200;

/**
 * 200 runs submitted at once under one concurrency key with a limit of 1, on PostgreSQL with
 * two workers (each on its own connections, as two processes are) and a third process
 * submitting: never two at a time, checked from the intervals the runs recorded.
 */
describe('a burst of runs under a concurrency key of 1, two workers on PostgreSQL', () => {
  let handle: Awaited<ReturnType<typeof postgres.open>>;
  const metas: MetaDb[] = [];
  const executors: DistributedExecutor[] = [];
  const errors: unknown[] = [];

  beforeEach(async () => {
    handle = await postgres.open();
  });
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((executor) => executor.close({ abort: true })));
    await Promise.all(metas.splice(0).map((meta) => meta.close()));
    await handle.cleanup();
  });

  const executor = async (): Promise<DistributedExecutor> => {
    const meta = await openMetaDb(postgresDialect(handle.url));
    metas.push(meta);
    const made = new DistributedExecutor(
      new RunStore(meta.db, new EventLog(meta.db, meta.dialect), graphileDispatch),
      new WorkerRegistry(meta.db, 15_000),
      {
        connectionString: handle.url,
        db: meta.db,
        pollMs: 20,
        onBackgroundError: (e) => errors.push(e),
      },
    );
    executors.push(made);
    return made;
  };

  it('runs all 200, never two at once', async () => {
    let active = 0;
    let mostActive = 0;
    const step = async (): Promise<void> => {
      mostActive = Math.max(mostActive, ++active);
      // Yields, so that a second run let in beside this one would be seen running with it.
      await new Promise((resolve) => setImmediate(resolve));
      active--;
    };
    const submitter = await executor();
    const team = [await executor(), await executor()];
    for (const made of [submitter, ...team]) made.register('step', step);
    await Promise.all(team.map((worker) => worker.work({ concurrency: 4 })));

    const concurrency = { key: 'job:burst', limit: 1 };
    const runs = await Promise.all(
      Array.from({ length: RUNS }, () => submitter.submit('step', { concurrency })),
    );
    const ended: Run[] = [];
    for (const run of runs) ended.push(await submitter.wait(run.id));

    expect(ended.map((run) => run.status)).toEqual(Array(RUNS).fill('succeeded'));
    expect(new Set(ended.map((run) => run.worker)).size).toBe(2); // both workers took some
    expect(mostActive).toBe(1);
    const intervals = ended
      .map((run) => [run.startedAt!.getTime(), run.endedAt!.getTime()] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < intervals.length; i++) {
      expect(intervals[i]![0]).toBeGreaterThanOrEqual(intervals[i - 1]![1]);
    }
    expect(errors).toEqual([]);
  }, 180_000);
});
