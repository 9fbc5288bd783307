import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LakeError } from '../../src/errors/lake-error.js';
import type { Run, RunContext } from '../../src/runs/index.js';
import { deadPid } from './dead-pid.js';
import { deferred, type Deferred } from './deferred.js';
import { EXECUTOR_CASES } from './executor-impls.js';
import { openRunsFixture, TEST_LOST_AFTER_MS, type RunsFixture } from './runs-fixture.js';

/** Resolves when the handler has been told to stop. */
function aborted(ctx: RunContext): Promise<void> {
  return new Promise((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

const within = { timeout: 30_000, interval: 10 };

/**
 * The one contract of RunExecutor, which every implementation passes on every metadata
 * backend it supports: the embedded executor on SQLite and PostgreSQL, the distributed one
 * (graphile-worker) on PostgreSQL.
 */
describe.each(EXECUTOR_CASES)('RunExecutor: $label', ({ impl, backend }) => {
  let fx: RunsFixture;
  beforeEach(async () => {
    fx = await openRunsFixture(backend, impl);
  });
  afterEach(async () => {
    await fx.close();
    expect(fx.backgroundErrors).toEqual([]);
  });

  it('takes a run from queued through running to succeeded, keeping what it reported', async () => {
    const executor = fx.executor();
    const gate = deferred();
    const seen = deferred<RunContext>();
    executor.register('load', async (ctx) => {
      seen.resolve(ctx);
      await ctx.setProgress({ phase: 'copy', done: 1, total: 2, unit: 'files' });
      // Not awaited: reports still land in the order they were made.
      void ctx.info('copied a.csv');
      void ctx.addMetrics({ files: 1 });
      await gate.promise;
      await ctx.setProgress({ phase: 'copy', done: 2, total: 2, unit: 'files' });
      await ctx.log('warn', 'b.csv had a trailing comma');
      return { metrics: { files: 2, rows: 10 } };
    });

    const queued = await executor.submit('load', {
      name: 'orders',
      parameters: { source: 'raw/orders' },
    });
    expect(queued).toMatchObject({ status: 'queued', attempt: 1, name: 'orders' });

    const ctx = await seen.promise;
    expect(ctx.run).toMatchObject({ id: queued.id, status: 'running' });
    expect(ctx.parameters).toEqual({ source: 'raw/orders' });
    const running = await fx.store.get(queued.id);
    expect(running.status).toBe('running');
    expect(running.worker).toBe(executor.worker);
    expect(executor.worker).toMatch(new RegExp(`^${hostname()}:${process.pid}(#\\d+)?$`));
    gate.resolve();

    const run = await executor.wait(queued.id);
    expect(run).toMatchObject({
      id: queued.id,
      status: 'succeeded',
      metrics: { files: 2, rows: 10 },
      progress: { phase: 'copy', done: 2, total: 2, unit: 'files' },
      error: null,
      worker: executor.worker,
    });
    expect(run.startedAt!.getTime()).toBeGreaterThanOrEqual(run.createdAt.getTime());
    expect(run.endedAt!.getTime()).toBeGreaterThanOrEqual(run.startedAt!.getTime());
    expect(await fx.store.get(run.id)).toEqual(run);

    const logs = await fx.store.logs(run.id);
    expect(logs.map((entry) => [entry.level, entry.message])).toEqual([
      ['info', 'copied a.csv'],
      ['warn', 'b.csv had a trailing comma'],
    ]);
    const events = await fx.events.list({ subject: run.id });
    expect(events.map((event) => event.type)).toEqual([
      'run.queued',
      'run.running',
      'run.succeeded',
    ]);
    expect(events[2]!.payload).toEqual({
      runId: run.id,
      kind: 'load',
      name: 'orders',
      status: 'succeeded',
      attempt: 1,
    });
  });

  it('records succeeded_with_errors when the handler says so', async () => {
    const executor = fx.executor();
    executor.register('crawl', async () => ({
      status: 'succeeded_with_errors',
      metrics: { skipped: 3 },
    }));
    const run = await executor.wait((await executor.submit('crawl')).id);
    expect(run).toMatchObject({ status: 'succeeded_with_errors', metrics: { skipped: 3 } });
    const types = (await fx.events.list({ subject: run.id })).map((event) => event.type);
    expect(types.at(-1)).toBe('run.succeeded_with_errors');
  });

  it('fails a run with the code and message of its error, keeping the cause in process', async () => {
    const handlerErrors: Array<{ error: LakeError; run: Run }> = [];
    const executor = fx.executor({
      onHandlerError: (error, run) => handlerErrors.push({ error, run }),
    });
    const crash = new Error('cannot reach postgres://loader:hunter2@db:5432/app');
    const socket = new Error('socket hang up');
    executor.register('crash', async () => {
      throw crash;
    });
    executor.register('query', async () => {
      throw new LakeError('SQL_ERROR', 'Column "amount" does not exist; check the column name.', {
        cause: socket,
      });
    });

    const crashed = await executor.wait((await executor.submit('crash', { maxAttempts: 3 })).id);
    expect(crashed).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: { code: 'INTERNAL', message: 'cannot reach postgres://loader:***@db:5432/app' },
    });
    expect(JSON.stringify(await fx.store.get(crashed.id))).not.toContain('hunter2');
    // An INTERNAL error is not transient: no retry despite attempts left.
    expect(await fx.store.nextAttempt(crashed.id)).toBeNull();

    const queried = await executor.wait((await executor.submit('query')).id);
    expect(queried.error).toEqual({
      code: 'SQL_ERROR',
      message: 'Column "amount" does not exist; check the column name.',
    });

    expect(handlerErrors).toHaveLength(2);
    expect(handlerErrors[0]!.error).toMatchObject({ code: 'INTERNAL', cause: crash });
    expect(handlerErrors[0]!.error.details).toMatchObject({ runId: crashed.id, kind: 'crash' });
    expect(handlerErrors[1]!.error).toMatchObject({ code: 'SQL_ERROR', cause: socket });

    const logs = await fx.store.logs(crashed.id);
    expect(logs.at(-1)).toMatchObject({ level: 'error' });
    expect(logs.at(-1)!.message).toContain('INTERNAL');
    expect(logs.at(-1)!.message).not.toContain('hunter2');
    const types = (await fx.events.list({ subject: crashed.id })).map((event) => event.type);
    expect(types).toEqual(['run.queued', 'run.running', 'run.failed']);
  });

  it('retries a transient failure as a new attempt, and wait follows it', async () => {
    const executor = fx.executor({ retryDelayMs: 1 });
    executor.register('flaky', async (ctx) => {
      if (ctx.run.attempt === 1) {
        throw new LakeError('STORAGE_UNREACHABLE', 'The store did not answer; try again.', {
          transient: true,
        });
      }
      return { metrics: { attempt: ctx.run.attempt } };
    });
    const first = await executor.submit('flaky', { maxAttempts: 3, parameters: { table: 't' } });

    const final = await executor.wait(first.id);
    expect(final).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      maxAttempts: 3,
      retryOf: first.id,
      parameters: { table: 't' },
      metrics: { attempt: 2 },
    });
    expect(final.id).not.toBe(first.id);
    expect(await fx.store.get(first.id)).toMatchObject({
      status: 'failed',
      error: { code: 'STORAGE_UNREACHABLE' },
    });
  });

  it('stops retrying when attempts run out', async () => {
    const executor = fx.executor({ retryDelayMs: 1 });
    let calls = 0;
    executor.register('down', async () => {
      calls++;
      throw new LakeError('METADATA_UNREACHABLE', 'The database is down.', { transient: true });
    });
    const first = await executor.submit('down', { maxAttempts: 2 });
    const final = await executor.wait(first.id);
    expect(final).toMatchObject({ status: 'failed', attempt: 2, retryOf: first.id });
    expect(await fx.store.nextAttempt(final.id)).toBeNull();
    expect(calls).toBe(2);
  });

  it('cancels a running run through cancel(): its AbortError ends it cancelled', async () => {
    const executor = fx.executor();
    const started = deferred();
    executor.register('long', async (ctx) => {
      started.resolve();
      await sleep(600_000, undefined, { signal: ctx.signal });
    });
    const run = await executor.submit('long');
    await started.promise;

    const requested = await executor.cancel(run.id);
    expect(requested).toMatchObject({ status: 'running', cancelRequested: true });
    const ended = await executor.wait(run.id);
    expect(ended).toMatchObject({ status: 'cancelled', error: null });
    expect(ended.endedAt).not.toBeNull();
    const types = (await fx.events.list({ subject: run.id })).map((event) => event.type);
    expect(types).toEqual(['run.queued', 'run.running', 'run.cancelled']);
  });

  it('ends a handler that ignores the signal cancelled when it returns', async () => {
    const executor = fx.executor();
    const started = deferred();
    const gate = deferred();
    executor.register('stubborn', async () => {
      started.resolve();
      await gate.promise;
      return { metrics: { rows: 1 } };
    });
    const run = await executor.submit('stubborn');
    await started.promise;
    await executor.cancel(run.id);
    gate.resolve();
    expect(await executor.wait(run.id)).toMatchObject({
      status: 'cancelled',
      metrics: { rows: 1 },
    });
  });

  it('notices a cancel requested by another process at its heartbeat', async () => {
    const executor = fx.executor({ heartbeatMs: 20 });
    const started = deferred();
    executor.register('long', async (ctx) => {
      started.resolve();
      await aborted(ctx);
      ctx.throwIfCancelled();
    });
    const run = await executor.submit('long');
    await started.promise;

    const other = await fx.otherStore();
    expect(await other.requestCancel(run.id)).toMatchObject({
      status: 'running',
      cancelRequested: true,
    });
    expect(await executor.wait(run.id)).toMatchObject({ status: 'cancelled', error: null });
  });

  it('cancels a queued run before it starts', async () => {
    const executor = fx.executor({ concurrency: 1 });
    const started: string[] = [];
    const gate = deferred();
    executor.register('block', async (ctx) => {
      started.push(ctx.run.id);
      await gate.promise;
    });
    const first = await executor.submit('block');
    const second = await executor.submit('block');
    await vi.waitFor(() => expect(started).toEqual([first.id]), within);
    expect((await fx.store.get(second.id)).status).toBe('queued');

    const cancelled = await executor.cancel(second.id);
    expect(cancelled.status).toBe('cancelled');
    expect(await executor.wait(second.id)).toMatchObject({ status: 'cancelled' });

    gate.resolve();
    expect((await executor.wait(first.id)).status).toBe('succeeded');
    expect(started).toEqual([first.id]);
  });

  it('refuses to cancel a run that has ended', async () => {
    const executor = fx.executor();
    executor.register('quick', async () => undefined);
    const run = await executor.wait((await executor.submit('quick')).id);
    expect(run.status).toBe('succeeded');
    await expect(executor.cancel(run.id)).rejects.toMatchObject({ code: 'RUN_NOT_CANCELLABLE' });
    await expect(executor.cancel('run_missing')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('runs at most `concurrency` handlers at once, the rest in submission order', async () => {
    const executor = fx.executor({ concurrency: 2 });
    const gates: Deferred<void>[] = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    let active = 0;
    let mostActive = 0;
    executor.register('work', async (ctx) => {
      const index = ctx.parameters.index as number;
      started.push(index);
      mostActive = Math.max(mostActive, ++active);
      await gates[index]!.promise;
      active--;
    });
    const runs: Run[] = [];
    for (let index = 0; index < 5; index++) {
      runs.push(await executor.submit('work', { parameters: { index } }));
    }

    // Two start together, in either order; each later one takes the next free slot.
    await vi.waitFor(() => expect([...started].sort()).toEqual([0, 1]), within);
    const statuses = async () =>
      Promise.all(runs.map(async (run) => (await fx.store.get(run.id)).status));
    expect(await statuses()).toEqual(['running', 'running', 'queued', 'queued', 'queued']);

    gates[1]!.resolve();
    await vi.waitFor(() => expect(started.slice(2)).toEqual([2]), within);
    gates[0]!.resolve();
    await vi.waitFor(() => expect(started.slice(2)).toEqual([2, 3]), within);
    for (const gate of gates) gate.resolve();

    const ended = await Promise.all(runs.map((run) => executor.wait(run.id)));
    expect(ended.map((run) => run.status)).toEqual(Array(5).fill('succeeded'));
    expect(started.slice(2)).toEqual([2, 3, 4]);
    expect(mostActive).toBe(2);
  });

  it('refuses an unknown kind, naming the registered ones, without recording a run', async () => {
    const executor = fx.executor();
    executor.register('load', async () => undefined);
    executor.register('crawl', async () => undefined);
    const refused = executor.submit('lod');
    await expect(refused).rejects.toMatchObject({ code: 'UNKNOWN_RUN_KIND' });
    await expect(refused).rejects.toThrow(/Registered kinds: crawl, load\./);
    expect(await fx.store.list()).toEqual([]);
    expect(() => executor.register('load', async () => undefined)).toThrow(/already has a handler/);
  });

  it('fails the runs of a dead process on this host, and reruns those with attempts left', async () => {
    const executor = fx.executor();
    await executor.ready(); // the distributed executor's queue must exist to queue runs
    const dead = `${hostname()}:${await deadPid()}`;
    const lost = await fx.store.create({ kind: 'load', maxAttempts: 2, parameters: { n: 1 } });
    await fx.store.claim(lost.id, dead);

    executor.register('load', async (ctx) => ({ metrics: { n: ctx.parameters.n as number } }));
    await executor.start();
    // Found at start or at a later beat of the executor's own heartbeat.
    await vi.waitFor(
      async () => expect((await fx.store.get(lost.id)).error?.code).toBe('WORKER_LOST'),
      within,
    );

    // The retry runs here.
    const final = await executor.wait(lost.id);
    expect(final).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      retryOf: lost.id,
      metrics: { n: 1 },
      worker: executor.worker,
    });
  });

  it('close() lets running handlers finish and then refuses submissions', async () => {
    const executor = fx.executor();
    const started = deferred();
    const gate = deferred();
    executor.register('slow', async () => {
      started.resolve();
      await gate.promise;
    });
    const run = await executor.submit('slow');
    await started.promise;

    const closing = executor.close();
    await expect(executor.submit('slow')).rejects.toMatchObject({ code: 'EXECUTOR_CLOSED' });
    gate.resolve();
    await closing;
    expect((await fx.store.get(run.id)).status).toBe('succeeded');
  });

  it('close({ abort: true }) cancels running and queued runs', async () => {
    const executor = fx.executor({ concurrency: 1 });
    const started = deferred();
    executor.register('long', async (ctx) => {
      started.resolve();
      await aborted(ctx);
    });
    const running = await executor.submit('long');
    const queued = await executor.submit('long');
    await started.promise;

    await executor.close({ abort: true });
    expect((await fx.store.get(running.id)).status).toBe('cancelled');
    // The embedded executor holds its queue; a distributed one leaves it to other workers.
    expect((await fx.store.get(queued.id)).status).toBe(
      impl.name === 'embedded' ? 'cancelled' : 'queued',
    );
  });

  it('waits out a backoff before each retry, doubling it', async () => {
    const executor = fx.executor({ retryDelayMs: 100 });
    executor.register('flaky', async (ctx) => {
      if (ctx.run.attempt < 3) {
        throw new LakeError('STORAGE_UNREACHABLE', 'Try again.', { transient: true });
      }
    });
    const first = await executor.submit('flaky', { maxAttempts: 3 });
    const final = await executor.wait(first.id);
    expect(final).toMatchObject({ status: 'succeeded', attempt: 3 });
    const second = (await fx.store.nextAttempt(first.id))!;
    const failedFirst = await fx.store.get(first.id);
    expect(second.notBefore!.getTime() - failedFirst.endedAt!.getTime()).toBeGreaterThanOrEqual(
      100,
    );
    expect(second.startedAt!.getTime()).toBeGreaterThanOrEqual(second.notBefore!.getTime());
    expect(final.notBefore!.getTime() - second.endedAt!.getTime()).toBeGreaterThanOrEqual(200);
    expect(final.startedAt!.getTime()).toBeGreaterThanOrEqual(final.notBefore!.getTime());
  });

  it('stops a run at its timeout and fails it with RUN_TIMEOUT, retried while attempts remain', async () => {
    const executor = fx.executor({ retryDelayMs: 1 });
    executor.register('slow', async (ctx) => {
      if (ctx.run.attempt === 1) await sleep(600_000, undefined, { signal: ctx.signal });
      return { metrics: { attempt: ctx.run.attempt } };
    });
    const first = await executor.submit('slow', { maxAttempts: 2, timeoutMs: 200 });
    const final = await executor.wait(first.id);
    expect(final).toMatchObject({ status: 'succeeded', attempt: 2, timeoutMs: 200 });
    const timedOut = await fx.store.get(first.id);
    expect(timedOut).toMatchObject({ status: 'failed', error: { code: 'RUN_TIMEOUT' } });
    expect(timedOut.endedAt!.getTime() - timedOut.startedAt!.getTime()).toBeGreaterThanOrEqual(200);
  });

  it('never runs two runs of a key with limit 1 at once, and runs them all', async () => {
    const executor = fx.executor({ concurrency: 4, heartbeatMs: 50 });
    let active = 0;
    let mostActive = 0;
    executor.register('step', async () => {
      mostActive = Math.max(mostActive, ++active);
      await sleep(5);
      active--;
    });
    const other = fx.executor({ concurrency: 4, heartbeatMs: 50 });
    other.register('step', async () => {
      mostActive = Math.max(mostActive, ++active);
      await sleep(5);
      active--;
    });
    const concurrency = { key: 'migration:shop', limit: 1 };
    const runs = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? other : executor).submit('step', { concurrency }),
      ),
    );
    const ended = await Promise.all(runs.map((run) => executor.wait(run.id)));
    expect(ended.map((run) => run.status)).toEqual(Array(12).fill('succeeded'));
    expect(mostActive).toBe(1);
    // Checked from the recorded intervals too: none overlaps another.
    const intervals = ended
      .map((run) => [run.startedAt!.getTime(), run.endedAt!.getTime()] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < intervals.length; i++) {
      expect(intervals[i]![0]).toBeGreaterThanOrEqual(intervals[i - 1]![1]);
    }
  });

  it('refuses a submission when its key is full and told to refuse', async () => {
    const executor = fx.executor();
    const gate = deferred();
    executor.register('cdc', async () => {
      await gate.promise;
    });
    const concurrency = { key: 'migration:shop', limit: 1, refuseWhenFull: true };
    const first = await executor.submit('cdc', { concurrency });
    await expect(executor.submit('cdc', { concurrency })).rejects.toMatchObject({
      code: 'RUN_CONCURRENCY_LIMIT',
      details: { key: 'migration:shop', active: [first.id] },
    });
    gate.resolve();
    expect((await executor.wait(first.id)).status).toBe('succeeded');
    const again = await executor.submit('cdc', { concurrency });
    expect((await executor.wait(again.id)).status).toBe('succeeded');
  });

  it('fails the runs of a worker on another machine once its heartbeat expires, ending them at their last heartbeat', async () => {
    const executor = fx.executor();
    await executor.ready(); // the distributed executor's queue must exist to queue runs
    const lostAt = Date.now() - TEST_LOST_AFTER_MS - 5_000;
    const gone = { id: 'machine-b:42', kinds: ['load'], concurrency: 1 };
    await fx.workers.register(gone);
    const alive = { id: 'machine-c:43', kinds: ['load'], concurrency: 1 };
    await fx.workers.register(alive);
    const lost = await fx.store.create({ kind: 'load', maxAttempts: 2 });
    const kept = await fx.store.create({ kind: 'load' });
    const other = await fx.otherStore();
    expect(await other.claim(lost.id, gone.id)).toBe('claimed');
    expect(await other.claim(kept.id, alive.id)).toBe('claimed');
    // Machine B went silent long ago: its heartbeats stopped at `lostAt`.
    await fx.meta.db
      .updateTable('lb_worker')
      .set({ heartbeat_at: lostAt })
      .where('worker_id', '=', gone.id)
      .execute();
    await fx.meta.db
      .updateTable('lb_run')
      .set({ heartbeat_at: lostAt })
      .where('run_id', '=', lost.id)
      .execute();

    executor.register('load', async () => ({ metrics: { done: 1 } }));
    await executor.start();
    const final = await executor.wait(lost.id);
    expect(final).toMatchObject({ status: 'succeeded', attempt: 2, worker: executor.worker });
    const failed = await fx.store.get(lost.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'WORKER_LOST' } });
    expect(failed.endedAt!.getTime()).toBe(lostAt);
    // Machine C's heartbeat is fresh: its run is its own.
    expect((await fx.store.get(kept.id)).status).toBe('running');
  });
});
