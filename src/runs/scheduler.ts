import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from '../meta/schema.js';
import type { LeaderLock } from './leader-lock.js';
import type { Run } from './run.js';
import { parseSchedule } from './schedule.js';

/** A resource with a cron schedule (a sync task, a crawler, a job), and how to start it. */
export interface ScheduledResource {
  /** `<kind>:<name>`, unique across the lake. */
  readonly key: string;
  readonly schedule: string;
  /**
   * Starts the tick's run, submitted under `idempotencyKey`, so that starting one tick twice
   * (after a crash) returns the run of the first start.
   */
  start(tick: Date, idempotencyKey: string): Promise<Run>;
}

/** Where the scheduler finds what to schedule: read again at every look. */
export interface ScheduleSource {
  list(): Promise<ScheduledResource[]>;
}

/** The notable things a scheduler does, for the log of `lakebox serve`. */
export type SchedulerNote =
  | { event: 'leader.acquired' }
  | { event: 'leader.lost'; message: string }
  | { event: 'tick.fired'; key: string; tickAt: Date; runId: string }
  | { event: 'tick.missed'; from: Date; until: Date }
  | { event: 'tick.failed'; key: string; tickAt: Date; message: string }
  | { event: 'schedule.invalid'; key: string; message: string };

export interface SchedulerOptions {
  /** `host:pid` of this process, recorded as the leader. */
  id: string;
  /** How often the leader looks for due ticks. 1000 ms. */
  pollMs?: number;
  /**
   * Ticks that fell due while no scheduler looked are fired, each once, when they are at most
   * this old (a restart, a failover); older ones are missed, not fired late. 60 s.
   */
  catchUpMs?: number;
  note?: (note: SchedulerNote) => void;
}

const STATE_ROW = 'default';

/**
 * Fires the ticks of every scheduled resource, exactly once each: only the leader looks
 * (see LeaderLock). A tick's run is submitted under the tick's idempotency key, so the run
 * itself records the tick, in the transaction that queues it; the tick's row in
 * `lb_schedule_tick` follows, naming the run (or why none started). A leader killed
 * between the two leaves a run and no row: the next leader looks again from where the
 * last look was recorded, starts the tick again, gets the same run back and writes the row.
 * No tick is lost and none runs twice.
 */
export class Scheduler {
  readonly #pollMs: number;
  readonly #catchUpMs: number;
  readonly #stop = new AbortController();
  readonly #invalid = new Map<string, string>();
  #loop: Promise<void> | undefined;
  #leading = false;

  constructor(
    private readonly db: Kysely<MetaSchema>,
    private readonly source: ScheduleSource,
    private readonly lock: LeaderLock,
    private readonly options: SchedulerOptions,
  ) {
    this.#pollMs = options.pollMs ?? 1000;
    this.#catchUpMs = options.catchUpMs ?? 60_000;
  }

  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort(new LakeError('EXECUTOR_CLOSED', 'The scheduler is stopping.'));
    await this.#loop;
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      const leadership = await this.lock.acquire(stop).catch(() => undefined);
      if (!leadership) return;
      this.#leading = true;
      this.#note({ event: 'leader.acquired' });
      try {
        let from = await this.#resumeFrom(Date.now());
        const until = AbortSignal.any([stop, leadership.lost]);
        while (!until.aborted) {
          from = await this.#look(from);
          await sleep(this.#pollMs, undefined, { signal: until }).catch(() => undefined);
        }
        if (leadership.lost.aborted) {
          this.#note({ event: 'leader.lost', message: describe(leadership.lost.reason) });
        }
      } catch (error) {
        this.#note({ event: 'leader.lost', message: describe(error) });
      } finally {
        this.#leading = false;
        await leadership.release().catch(() => undefined);
      }
      if (!stop.aborted) await sleep(this.#pollMs, undefined, { signal: stop }).catch(() => {});
    }
  }

  /** Where a new leader looks from: the last look (#look keeps to the window), or now. */
  async #resumeFrom(now: number): Promise<number> {
    const state = await this.db
      .selectFrom('lb_scheduler_state')
      .select('checked_until')
      .where('scheduler', '=', STATE_ROW)
      .executeTakeFirst();
    return state?.checked_until ?? now;
  }

  /** Fires what fell due in (from, now]; returns now, recorded as checked. */
  async #look(from: number): Promise<number> {
    const now = Date.now();
    if (from < now - this.#catchUpMs) {
      this.#note({
        event: 'tick.missed',
        from: new Date(from),
        until: new Date(now - this.#catchUpMs),
      });
    }
    for (const resource of await this.source.list()) {
      let schedule;
      try {
        schedule = parseSchedule(resource.schedule);
        this.#invalid.delete(resource.key);
      } catch (error) {
        if (this.#invalid.get(resource.key) !== resource.schedule) {
          this.#invalid.set(resource.key, resource.schedule);
          this.#note({ event: 'schedule.invalid', key: resource.key, message: describe(error) });
        }
        continue;
      }
      const due: Date[] = [];
      // A leader that stalled longer than the window misses the older ticks too.
      const start = Math.max(from, now - this.#catchUpMs);
      for (let tick = schedule.next(new Date(start)); tick && tick.getTime() <= now;) {
        due.push(tick);
        tick = schedule.next(tick);
      }
      for (const tick of due) await this.#fire(resource, tick);
    }
    await this.#checked(now);
    return now;
  }

  async #fire(resource: ScheduledResource, tick: Date): Promise<void> {
    const tickAt = tick.getTime();
    const recorded = await this.db
      .selectFrom('lb_schedule_tick')
      .select('tick_at')
      .where('schedule_key', '=', resource.key)
      .where('tick_at', '=', tickAt)
      .executeTakeFirst();
    if (recorded) return; // fired already, here or by another process
    let runId: string | null = null;
    let error: string | null = null;
    try {
      runId = (await resource.start(tick, tickKey(resource.key, tick))).id;
    } catch (cause) {
      error = describe(cause);
    }
    const claimed = await this.db
      .insertInto('lb_schedule_tick')
      .values({
        schedule_key: resource.key,
        tick_at: tickAt,
        run_id: runId,
        fired_at: Date.now(),
        error,
      })
      .onConflict((conflict) => conflict.columns(['schedule_key', 'tick_at']).doNothing())
      .returning('tick_at')
      .executeTakeFirst();
    if (!claimed) return; // another process recorded it; the key gave both the same run
    if (runId !== null) {
      this.#note({ event: 'tick.fired', key: resource.key, tickAt: tick, runId });
    } else {
      this.#note({ event: 'tick.failed', key: resource.key, tickAt: tick, message: error! });
    }
  }

  async #checked(until: number): Promise<void> {
    await this.db
      .insertInto('lb_scheduler_state')
      .values({ scheduler: STATE_ROW, checked_until: until, leader: this.options.id })
      .onConflict((conflict) =>
        conflict.column('scheduler').doUpdateSet({ checked_until: until, leader: this.options.id }),
      )
      .execute();
  }

  #note(note: SchedulerNote): void {
    try {
      this.options.note?.(note);
    } catch {
      // A broken log must not stop the schedules.
    }
  }
}

/** The idempotency key of a tick's run: one run per resource and tick, ever. */
export function tickKey(resourceKey: string, tick: Date): string {
  return `schedule:${resourceKey}@${tick.toISOString()}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
