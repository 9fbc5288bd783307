import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLocalWorkerAlive, localWorkerId, type Run } from '../../src/runs/index.js';
import { newRunId } from '../../src/runs/run-id.js';
import { META_BACKENDS } from '../support/meta-backends.js';
import { deadPid } from './dead-pid.js';
import { openRunsFixture, type RunsFixture } from './runs-fixture.js';

describe('run ids', () => {
  it('sort by creation time as plain strings and do not collide', () => {
    const earlier = newRunId(Date.UTC(2024, 0, 1));
    const later = newRunId(Date.UTC(2024, 0, 1, 0, 0, 1));
    expect(earlier).toMatch(/^run_[0-9a-z]{22}$/);
    expect(earlier < later).toBe(true);
    const ids = new Set(Array.from({ length: 1000 }, () => newRunId(0)));
    expect(ids.size).toBe(1000);
  });
});

describe('local worker liveness', () => {
  it('knows dead pids on this host and assumes others alive', async () => {
    expect(isLocalWorkerAlive(localWorkerId())).toBe(true);
    expect(isLocalWorkerAlive(`${hostname()}:${await deadPid()}`)).toBe(false);
    expect(isLocalWorkerAlive('some-other-host:1')).toBe(true);
  });
});

describe.each(META_BACKENDS)('RunStore on $name', (backend) => {
  let fx: RunsFixture;
  beforeEach(async () => {
    fx = await openRunsFixture(backend);
  });
  afterEach(async () => {
    await fx.close();
  });

  it('creates queued runs with defaults and appends run.queued', async () => {
    const run = await fx.store.create({ kind: 'vacuum', parameters: { table: 'sales.orders' } });
    expect(run).toMatchObject({
      kind: 'vacuum',
      name: null,
      status: 'queued',
      attempt: 1,
      maxAttempts: 1,
      retryOf: null,
      parameters: { table: 'sales.orders' },
      metrics: {},
      progress: null,
      error: null,
      cancelRequested: false,
      worker: null,
      startedAt: null,
      endedAt: null,
    });
    expect(await fx.store.get(run.id)).toEqual(run);
    const events = await fx.events.list({ subject: run.id });
    expect(events.map((event) => [event.type, event.payload])).toEqual([
      ['run.queued', { runId: run.id, kind: 'vacuum', name: null, status: 'queued', attempt: 1 }],
    ]);
  });

  it('rejects malformed runs before writing anything', async () => {
    await expect(fx.store.create({ kind: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(fx.store.create({ kind: 'load', maxAttempts: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(
      fx.store.create({ kind: 'load', parameters: { size: 1n } as Record<string, unknown> }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await fx.store.list()).toEqual([]);
  });

  it('reports an unknown id as RUN_NOT_FOUND with a hint', async () => {
    await expect(fx.store.get('run_nope')).rejects.toMatchObject({
      code: 'RUN_NOT_FOUND',
      message: expect.stringContaining('run_nope') as unknown,
    });
    await expect(fx.store.get('12')).rejects.toThrow(/start with "run_"/);
    await expect(fx.store.requestCancel('run_nope')).rejects.toMatchObject({
      code: 'RUN_NOT_FOUND',
    });
    await expect(fx.store.logs('run_nope')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('lists runs newest first, filtered by kind, status and name', async () => {
    const created: Run[] = [];
    for (const [kind, name] of [
      ['load', 'orders'],
      ['load', 'customers'],
      ['crawl', 'raw'],
      ['load', 'orders'],
    ] as const) {
      created.push(await fx.store.create({ kind, name }));
    }
    await fx.store.requestCancel(created[1]!.id);
    const ids = (runs: Run[]) => runs.map((run) => run.id);
    expect(ids(await fx.store.list())).toEqual(ids([...created].reverse()));
    expect(ids(await fx.store.list({ kind: 'load' }))).toEqual(
      ids([created[3]!, created[1]!, created[0]!]),
    );
    expect(ids(await fx.store.list({ kind: 'load', name: 'orders' }))).toEqual(
      ids([created[3]!, created[0]!]),
    );
    expect(ids(await fx.store.list({ status: 'cancelled' }))).toEqual(ids([created[1]!]));
    expect(ids(await fx.store.list({ status: ['queued'], limit: 2 }))).toEqual(
      ids([created[3]!, created[2]!]),
    );
    expect(await fx.store.list({ status: [] })).toEqual([]);
  });

  it('lets exactly one of two processes claim a run', async () => {
    const run = await fx.store.create({ kind: 'load' });
    const other = await fx.otherStore();
    const claims = await Promise.all([
      fx.store.claim(run.id, 'host-a:1'),
      other.claim(run.id, 'host-b:2'),
    ]);
    expect(claims.filter((claim) => claim === 'claimed')).toHaveLength(1);
    const claimed = await fx.store.get(run.id);
    expect(claimed.status).toBe('running');
    expect(claimed.worker).toBe(claims[0] === 'claimed' ? 'host-a:1' : 'host-b:2');
    expect(claimed.startedAt).not.toBeNull();
    expect(claimed.heartbeatAt).not.toBeNull();
    expect(await fx.store.claim(run.id, 'host-c:3')).toBe('taken');
    const types = (await fx.events.list({ subject: run.id })).map((event) => event.type);
    expect(types).toEqual(['run.queued', 'run.running']);
  });

  it('cancels a queued run at once and flags a running one', async () => {
    const queued = await fx.store.create({ kind: 'load' });
    const cancelled = await fx.store.requestCancel(queued.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelRequested: true });
    expect(cancelled.endedAt).not.toBeNull();
    expect(await fx.store.claim(queued.id, 'host-a:1')).toBe('taken');

    const running = await fx.store.create({ kind: 'load' });
    await fx.store.claim(running.id, 'host-a:1');
    expect(await fx.store.heartbeat(running.id)).toEqual({
      status: 'running',
      cancelRequested: false,
    });
    const flagged = await (await fx.otherStore()).requestCancel(running.id);
    expect(flagged).toMatchObject({ status: 'running', cancelRequested: true });
    expect(await fx.store.heartbeat(running.id)).toEqual({
      status: 'running',
      cancelRequested: true,
    });

    const types = async (id: string) =>
      (await fx.events.list({ subject: id })).map((event) => event.type);
    expect(await types(queued.id)).toEqual(['run.queued', 'run.cancelled']);
    expect(await types(running.id)).toEqual(['run.queued', 'run.running']);
  });

  it('refuses to cancel a run that has ended', async () => {
    const run = await fx.store.create({ kind: 'load' });
    await fx.store.claim(run.id, 'host-a:1');
    await fx.store.finish(run.id, 'succeeded');
    await expect(fx.store.requestCancel(run.id)).rejects.toMatchObject({
      code: 'RUN_NOT_CANCELLABLE',
      message: expect.stringContaining('succeeded') as unknown,
    });
  });

  it('finishes a run once, merging metrics and queueing a retry when asked', async () => {
    const run = await fx.store.create({
      kind: 'load',
      name: 'orders',
      parameters: { table: 'raw.orders' },
      maxAttempts: 2,
    });
    await fx.store.claim(run.id, 'host-a:1');
    await fx.store.addMetrics(run.id, { rows: 5, files: 1 });
    const failed = await fx.store.finish(run.id, 'failed', {
      error: new Error('connect to postgres://loader:hunter2@db:5432/app refused'),
      metrics: { rows: 7 },
      retry: true,
    });
    expect(failed).toMatchObject({
      status: 'failed',
      metrics: { rows: 7, files: 1 },
      error: {
        code: 'INTERNAL',
        message: 'connect to postgres://loader:***@db:5432/app refused',
      },
    });
    const retry = await fx.store.nextAttempt(run.id);
    expect(retry).toMatchObject({
      status: 'queued',
      attempt: 2,
      maxAttempts: 2,
      retryOf: run.id,
      kind: 'load',
      name: 'orders',
      parameters: { table: 'raw.orders' },
    });

    // The run has ended: a second finish changes nothing.
    expect(await fx.store.finish(run.id, 'succeeded')).toEqual(failed);
    await expect(
      fx.store.finish(run.id, 'running' as unknown as 'succeeded'),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    // The last attempt is not retried.
    await fx.store.claim(retry!.id, 'host-a:1');
    await fx.store.finish(retry!.id, 'failed', { error: new Error('again'), retry: true });
    expect(await fx.store.nextAttempt(retry!.id)).toBeNull();

    const types = (await fx.events.list({ type: 'run.*' })).map((event) => event.type);
    expect(types).toEqual([
      'run.queued',
      'run.running',
      'run.failed',
      'run.queued',
      'run.running',
      'run.failed',
    ]);
  });

  it('merges metrics written at once from two processes without losing any', async () => {
    const run = await fx.store.create({ kind: 'load' });
    const other = await fx.otherStore();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? fx.store : other).addMetrics(run.id, { [`m${i}`]: i }),
      ),
    );
    const { metrics } = await fx.store.get(run.id);
    expect(metrics).toEqual(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`m${i}`, i])));
    await expect(fx.store.addMetrics(run.id, { bad: Number.NaN })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('keeps logs in order, pages them and masks credentials', async () => {
    const run = await fx.store.create({ kind: 'sync' });
    await fx.store.log(run.id, 'info', 'start');
    await fx.store.log(run.id, 'debug', 'source s3://bucket/prefix');
    await fx.store.log(run.id, 'warn', 'retrying with password=s3cret;');
    const all = await fx.store.logs(run.id);
    expect(all.map((entry) => [entry.level, entry.message])).toEqual([
      ['info', 'start'],
      ['debug', 'source s3://bucket/prefix'],
      ['warn', 'retrying with password=***;'],
    ]);
    expect(all[0]!.ts).toBeInstanceOf(Date);
    const rest = await fx.store.logs(run.id, { after: all[0]!.id, limit: 1 });
    expect(rest.map((entry) => entry.message)).toEqual(['source s3://bucket/prefix']);
    await expect(fx.store.log(run.id, 'loud' as unknown as 'info', 'x')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('fails runs whose worker process died, and retries those with attempts left', async () => {
    const dead = `${hostname()}:${await deadPid()}`;
    const lost = await fx.store.create({ kind: 'load' });
    const lostWithRetry = await fx.store.create({ kind: 'load', maxAttempts: 3 });
    const alive = await fx.store.create({ kind: 'load' });
    const elsewhere = await fx.store.create({ kind: 'load' });
    await fx.store.claim(lost.id, dead);
    await fx.store.claim(lostWithRetry.id, dead);
    await fx.store.claim(alive.id, localWorkerId());
    await fx.store.claim(elsewhere.id, 'another-host:1');

    const recovered = await fx.store.recoverLost(isLocalWorkerAlive);
    expect(recovered.failed.map((run) => run.id).sort()).toEqual(
      [lost.id, lostWithRetry.id].sort(),
    );
    expect(recovered.retried).toHaveLength(1);
    expect(recovered.retried[0]).toMatchObject({
      status: 'queued',
      attempt: 2,
      retryOf: lostWithRetry.id,
    });

    const failed = await fx.store.get(lost.id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('WORKER_LOST');
    expect(failed.error?.message).toContain(dead);
    expect((await fx.store.get(lostWithRetry.id)).error?.message).toContain('attempt 2 of 3');
    expect((await fx.store.get(alive.id)).status).toBe('running');
    expect((await fx.store.get(elsewhere.id)).status).toBe('running');
    const types = (await fx.events.list({ subject: lost.id })).map((event) => event.type);
    expect(types).toEqual(['run.queued', 'run.running', 'run.failed']);

    // A second recovery (another process starting) finds nothing left to do.
    expect(await fx.store.recoverLost(isLocalWorkerAlive)).toEqual({
      failed: [],
      retried: [],
      adopted: [],
    });
  });

  it('also fails runs left queued by a process that died before starting them', async () => {
    const dead = `${hostname()}:${await deadPid()}`;
    const stranded = await fx.store.create({ kind: 'load', worker: dead });
    const waiting = await fx.store.create({ kind: 'load', worker: localWorkerId() });
    const unowned = await fx.store.create({ kind: 'load' });
    const recovered = await fx.store.recoverLost(isLocalWorkerAlive);
    expect(recovered.failed.map((run) => run.id)).toEqual([stranded.id]);
    const failed = await fx.store.get(stranded.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'WORKER_LOST' } });
    expect(failed.error?.message).toContain('while it was queued');
    expect((await fx.store.get(waiting.id)).status).toBe('queued');
    expect((await fx.store.get(unowned.id)).status).toBe('queued');
  });

  it('hands runs left queued by a dead process to an adopter (the lake host), once', async () => {
    const dead = `${hostname()}:${await deadPid()}`;
    const stranded = await fx.store.create({ kind: 'load', worker: dead });
    const [one, two] = await Promise.all([
      fx.store.recoverLost(isLocalWorkerAlive, 0, { adopter: 'host-a' }),
      (await fx.otherStore()).recoverLost(isLocalWorkerAlive, 0, { adopter: 'host-b' }),
    ]);
    const adopted = [...one.adopted, ...two.adopted];
    expect(adopted.map((run) => run.id)).toEqual([stranded.id]);
    expect([...one.failed, ...two.failed]).toEqual([]);
    const run = await fx.store.get(stranded.id);
    expect(run.status).toBe('queued');
    expect(['host-a', 'host-b']).toContain(run.worker);
    // A process that is no host leaves such a run queued while a host may take it.
    const another = await fx.store.create({ kind: 'load', worker: dead });
    const left = await fx.store.recoverLost(isLocalWorkerAlive, 0, { keepQueued: () => true });
    expect(left.failed).toEqual([]);
    expect((await fx.store.get(another.id)).status).toBe('queued');
  });

  it('ends a lost run at its last heartbeat, so its duration is the time it ran', async () => {
    const dead = `${hostname()}:${await deadPid()}`;
    const run = await fx.store.create({ kind: 'load' });
    await fx.store.claim(run.id, dead);
    const { heartbeatAt } = await fx.store.get(run.id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await fx.store.recoverLost(isLocalWorkerAlive);
    const lost = await fx.store.get(run.id);
    expect(lost.status).toBe('failed');
    expect(lost.endedAt).toEqual(heartbeatAt);
  });

  it('claims at most the limit of a concurrency key, racing from two connections', async () => {
    const other = await fx.otherStore();
    const concurrency = { key: 'job:daily', limit: 2 };
    const runs = await Promise.all(
      Array.from({ length: 12 }, () => fx.store.create({ kind: 'job', concurrency })),
    );
    const claims = await Promise.all(
      runs.flatMap((run, i) => [
        fx.store.claim(run.id, `host-a:${i}`),
        other.claim(run.id, `host-b:${i}`),
      ]),
    );
    expect(claims.filter((claim) => claim === 'claimed')).toHaveLength(2);
    const running = await fx.store.list({ status: 'running' });
    expect(running).toHaveLength(2);
    // The key frees a slot when a run of it ends; another key is not held back.
    expect(await fx.store.waiting('job:daily', 100)).toHaveLength(10);
    await fx.store.finish(running[0]!.id, 'succeeded');
    const next = (await fx.store.waiting('job:daily', 1))[0]!;
    expect(await other.claim(next.id, 'host-b:99')).toBe('claimed');
    expect(await fx.store.claim((await fx.store.waiting('job:daily', 1))[0]!.id, 'x:1')).toBe(
      'busy',
    );
    const free = await fx.store.create({
      kind: 'job',
      concurrency: { key: 'job:other', limit: 1 },
    });
    expect(await fx.store.claim(free.id, 'host-a:1')).toBe('claimed');
  });

  it('refuses a run when its key is full, checked in the transaction that records it', async () => {
    const other = await fx.otherStore();
    const spec = { kind: 'migration', concurrency: { key: 'migration:shop', limit: 1 } };
    const results = await Promise.allSettled([
      fx.store.create({ ...spec, refuseWhenFull: true }),
      other.create({ ...spec, refuseWhenFull: true }),
      fx.store.create({ ...spec, refuseWhenFull: true }),
      other.create({ ...spec, refuseWhenFull: true }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const refused of results.filter((r) => r.status === 'rejected')) {
      expect(refused.reason).toMatchObject({ code: 'RUN_CONCURRENCY_LIMIT' });
    }
  });
});
