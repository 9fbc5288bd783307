import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaderLock } from '../../src/runs/leader-lock.js';
import type { Run } from '../../src/runs/run.js';
import { parseSchedule } from '../../src/runs/schedule.js';
import { EventLog } from '../../src/events/event-log.js';
import { RunStore } from '../../src/runs/run-store.js';
import { Scheduler, tickKey, type SchedulerNote } from '../../src/runs/scheduler.js';
import { eventually } from '../support/cli-process.js';
import { META_BACKENDS, type MetaBackend } from '../support/meta-backends.js';

describe('parseSchedule', () => {
  const ticks = (text: string, from: string, count: number) => {
    const schedule = parseSchedule(text);
    const out: string[] = [];
    for (let at = new Date(from); out.length < count;) {
      at = schedule.next(at)!;
      out.push(at.toISOString());
    }
    return out;
  };

  it('fires once in the hour a time zone skips and once in the hour it repeats', () => {
    // Berlin skips 02:00-03:00 on 2026-03-29 and repeats 02:00-03:00 on 2026-10-25.
    expect(ticks('CRON_TZ=Europe/Berlin 30 2 * * *', '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, the end of the skipped hour
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(ticks('CRON_TZ=Europe/Berlin 30 2 * * *', '2026-10-24T00:00:00Z', 3)).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z', // 02:30 CEST only, not again at 02:30 CET
      '2026-10-26T01:30:00.000Z',
    ]);
    expect(ticks('0 3 * * *', '2026-01-01T00:00:00Z', 1)).toEqual(['2026-01-01T03:00:00.000Z']);
  });

  it('refuses a bad expression and a bad time zone with one clear message', () => {
    expect(() => parseSchedule('every day')).toThrow(
      /The schedule "every day" is not a cron expression.*five fields/,
    );
    expect(() => parseSchedule('CRON_TZ=Mars/Base 0 3 * * *')).toThrow(/CRON_TZ=<IANA zone>/);
  });
});

describe.each(META_BACKENDS)('Scheduler on $name', (backend: MetaBackend) => {
  let handle: Awaited<ReturnType<MetaBackend['open']>>;
  const schedulers: Scheduler[] = [];
  beforeEach(async () => {
    handle = await backend.open();
  });
  afterEach(async () => {
    await Promise.all(schedulers.splice(0).map((s) => s.stop()));
    await handle.cleanup();
  });

  const scheduler = (notes: SchedulerNote[], started: Date[], catchUpMs = 60_000) => {
    const db = handle.meta.db;
    let n = 0;
    const made = new Scheduler(
      db,
      {
        list: async () => [
          {
            key: 'sync:s',
            schedule: '* * * * * *',
            start: async (tick) => {
              started.push(tick);
              return { id: `run_${++n}` } as Run;
            },
          },
        ],
      },
      new LeaderLock(db, handle.meta.dialect.concurrentWriters, 42, { retryMs: 50 }),
      { id: 'test', pollMs: 50, catchUpMs, note: (note) => notes.push(note) },
    );
    schedulers.push(made);
    return made;
  };
  const lookedBefore = (msAgo: number) =>
    handle.meta.db
      .insertInto('lb_scheduler_state')
      .values({ scheduler: 'default', checked_until: Date.now() - msAgo, leader: 'dead' })
      .execute();

  it('after a short outage (a restart, a failover) fires every tick it missed, each once', async () => {
    await lookedBefore(10_000);
    const notes: SchedulerNote[] = [];
    const started: Date[] = [];
    scheduler(notes, started).start();
    await eventually(async () => (started.length >= 10 ? true : undefined), 'ten ticks');
    const seconds = started.map((tick) => tick.getTime() / 1000);
    expect(seconds.slice(1).every((second, i) => second === seconds[i]! + 1)).toBe(true);
    expect(notes.some((note) => note.event === 'tick.missed')).toBe(false);
  });

  it('after a long outage fires only the catch-up window of it: no storm', async () => {
    await lookedBefore(2 * 3600_000);
    const notes: SchedulerNote[] = [];
    const started: Date[] = [];
    const startedAt = Date.now();
    scheduler(notes, started, 60_000).start();
    await eventually(async () => (started.length > 0 ? true : undefined), 'a tick');
    // Only the last minute of the outage (the catch-up window) fires; the rest is noted.
    expect(started[0]!.getTime()).toBeGreaterThan(startedAt - 61_000);
    expect(notes.filter((note) => note.event === 'tick.missed')).toHaveLength(1);
  });

  it('two schedulers on one database fire each tick once', async () => {
    const started: Date[] = [];
    const [one, two] = [scheduler([], started), scheduler([], started)];
    one.start();
    two.start();
    await eventually(async () => (started.length >= 3 ? true : undefined), 'three ticks');
    await Promise.all([one.stop(), two.stop()]);
    const times = started.map((tick) => tick.getTime());
    expect(new Set(times).size).toBe(times.length);
    const rows = await handle.meta.db.selectFrom('lb_schedule_tick').selectAll().execute();
    expect(rows.map((row) => row.tick_at).sort()).toEqual([...times].sort());
  });

  it('a leader killed after queueing a tick run but before recording the tick: its successor records that run and starts no second', async () => {
    const db = handle.meta.db;
    const store = new RunStore(db, new EventLog(db, handle.meta.dialect));
    // The dead leader looked up to `from`, then queued the runs of the next three ticks
    // (each under its tick's key, in the transaction that recorded the run) and died
    // before writing their rows in lb_schedule_tick.
    const from = Math.floor(Date.now() / 1000) * 1000 - 5000;
    await db
      .insertInto('lb_scheduler_state')
      .values({ scheduler: 'default', checked_until: from, leader: 'dead' })
      .execute();
    const orphans = await Promise.all(
      [1, 2, 3].map((s) =>
        store.create({
          kind: 'sync',
          name: 's',
          idempotencyKey: tickKey('sync:s', new Date(from + s * 1000)),
        }),
      ),
    );
    const made = new Scheduler(
      db,
      {
        list: async () => [
          {
            key: 'sync:s',
            schedule: '* * * * * *',
            start: (_tick, idempotencyKey) =>
              store.create({ kind: 'sync', name: 's', idempotencyKey }),
          },
        ],
      },
      new LeaderLock(db, handle.meta.dialect.concurrentWriters, 43, { retryMs: 50 }),
      { id: 'successor', pollMs: 50 },
    );
    schedulers.push(made);
    made.start();
    const rows = await eventually(async () => {
      const found = await db
        .selectFrom('lb_schedule_tick')
        .selectAll()
        .orderBy('tick_at')
        .execute();
      return found.length >= 6 ? found : undefined;
    }, 'six ticks recorded');
    await made.stop();
    // Every second since the last look has one row; the three orphans are the runs of theirs.
    const all = await db.selectFrom('lb_schedule_tick').selectAll().orderBy('tick_at').execute();
    expect(all.map((row) => row.tick_at)).toEqual(all.map((_, i) => from + (i + 1) * 1000));
    expect(rows.slice(0, 3).map((row) => row.run_id)).toEqual(orphans.map((run) => run.id));
    const runs = await store.list({ kind: 'sync', limit: 1000 });
    expect(runs).toHaveLength(all.length); // one run per tick, none twice
    expect(new Set(all.map((row) => row.run_id)).size).toBe(all.length);
  });
});
