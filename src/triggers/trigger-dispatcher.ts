import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { LakeError } from '../errors/lake-error.js';
import type { EventConsumer } from '../events/event-consumer.js';
import type { LakeEvent } from '../events/event-log.js';
import type { EventWakeup } from '../events/event-wakeup.js';
import type { LeaderLock } from '../runs/leader-lock.js';
import { runPool } from '../concurrency/run-pool.js';
import { withCause } from '../runs/run-cause.js';
import type { NewEvent } from '../events/event-log.js';
import type { Delivery, DeliveryStatus, TriggerDeliveries } from './trigger-deliveries.js';
import { deliveredEvent, renderTemplate } from './trigger-input.js';
import type { Trigger } from './trigger-kind.js';
import { patternMatcher } from './trigger-pattern.js';
import { formatTarget, type TargetStart, type TriggerTargets } from './trigger-target.js';

/** One delivery as the dispatcher reports it (serve logs it). */
export interface DeliveryNote {
  trigger: string;
  eventId: number;
  eventType: string;
  target: string;
  status: DeliveryStatus;
  runId?: string;
  error?: string;
  /** Milliseconds from the event's commit to its target's start. */
  latencyMs: number;
}

export interface DispatcherDeps {
  triggers: () => Promise<Trigger[]>;
  deliveries: TriggerDeliveries;
  targets: TriggerTargets;
  consumer: EventConsumer;
  wakeup: EventWakeup;
  lock: LeaderLock;
}

export interface DispatcherOptions {
  maxChainDepth: number;
  /** The longest wait between reads when idle. */
  pollMs?: number;
  /** Deliveries made at once (1 unless told; worth more where each is a network round trip). */
  concurrency?: number;
  /** Tries of a start refused for a passing reason (a job at its concurrency limit). */
  startAttempts?: number;
  onDelivery?: (note: DeliveryNote) => void;
  onLeader?: (leading: boolean) => void;
  onError?: (error: unknown) => void;
}

const BATCH = 500;

type DeliveryRecord = Parameters<TriggerDeliveries['record']>[0][number];
const RETRY_BASE_MS = 200;

/**
 * Delivers events to triggers: reads the log through the durable consumer `triggers`, and
 * for each event and each enabled trigger whose pattern matches starts the target, keyed by
 * (trigger, event) so that no restart starts it twice, and records the delivery. The cursor
 * moves past an event only once every delivery of it is recorded: at least once, with the
 * key making it exactly once. On PostgreSQL one process of the lake dispatches at a time
 * (a leader lock); the others stand by.
 */
export class TriggerDispatcher {
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #leading = false;

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly options: DispatcherOptions,
  ) {}

  get leading(): boolean {
    return this.#leading;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.deps.wakeup.close();
  }

  /**
   * Delivers everything pending now and resolves with the count of events read: `lakebox
   * dispatch --once`, and tests. Not to be mixed with a started loop.
   */
  async drain(): Promise<number> {
    let read = 0;
    for (;;) {
      const batch = await this.#deliverBatch();
      read += batch;
      if (batch < BATCH) return read;
    }
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      const leadership = await this.deps.lock.acquire(stop).catch(() => undefined);
      if (!leadership) return;
      this.#leading = true;
      this.options.onLeader?.(true);
      const signal = AbortSignal.any([stop, leadership.lost]);
      let failures = 0;
      while (!signal.aborted) {
        try {
          await this.deps.wakeup.listen();
          const read = await this.#deliverBatch();
          failures = 0;
          if (read < BATCH) await this.deps.wakeup.wait(this.options.pollMs ?? 1000, signal);
        } catch (error) {
          this.options.onError?.(error);
          // The metadata database is away: the cursor has not passed what failed; try again.
          await sleep(Math.min(RETRY_BASE_MS * 2 ** failures++, 10_000), undefined, {
            signal,
          }).catch(() => undefined);
        }
      }
      this.#leading = false;
      // Stopping is not losing the lead: only a lost lock is worth a line.
      if (!stop.aborted) this.options.onLeader?.(false);
      await leadership.release().catch(() => undefined);
    }
  }

  /** Reads one batch and delivers it; the cursor moves past it once all of it is delivered. */
  async #deliverBatch(): Promise<number> {
    const batch = await this.deps.consumer.read(BATCH);
    if (batch.length === 0) return 0;
    const triggers = (await this.deps.triggers()).filter((t) => t.enabled);
    const plans = await Promise.all(
      triggers.map(async (trigger) => {
        const matches = patternMatcher(trigger.pattern);
        const created = trigger.createdAt.getTime();
        // A trigger takes the events that come after it, never those from before it existed.
        const events = batch.filter((e) => e.createdAt.getTime() >= created && matches(e));
        const done = await this.deps.deliveries.done(
          trigger.name,
          events.map((e) => e.id),
        );
        return { trigger, pending: new Set(events.filter((e) => !done.has(e.id))) };
      }),
    );
    const deliveries = batch.flatMap((event) =>
      plans.filter(({ pending }) => pending.has(event)).map(({ trigger }) => ({ trigger, event })),
    );
    const records: DeliveryRecord[] = [];
    let complete = false;
    try {
      // Deliveries are independent runs: over PostgreSQL's round trips several go at once.
      await runPool(deliveries, this.options.concurrency ?? 1, undefined, async (d) => {
        records.push(await this.#deliver(d.trigger, d.event));
        // SQLite answers synchronously, so a backlog would be delivered without ever giving
        // the event loop a turn: the runs started, heartbeats and HTTP requests would starve.
        await setImmediate();
      });
      complete = true;
    } finally {
      // What was delivered is recorded, and the cursor moved past the batch once all of it
      // was, in one transaction; after a failure the rest is delivered on the next read.
      const to = batch.at(-1)!.position;
      if (records.length > 0 || complete)
        await this.deps.deliveries.record(records, (trx) =>
          complete ? this.deps.consumer.commit(to, trx) : Promise.resolve(),
        );
    }
    return batch.length;
  }

  async #deliver(trigger: Trigger, event: LakeEvent): Promise<DeliveryRecord> {
    const chainDepth = event.chainDepth + 1;
    const target = formatTarget(trigger.target);
    const about = {
      trigger: trigger.name,
      eventId: event.id,
      eventType: event.type,
      target,
      chainDepth,
    };
    const note = (status: DeliveryStatus, extra: { runId?: string; error?: string }) =>
      this.options.onDelivery?.({
        ...about,
        status,
        ...extra,
        latencyMs: Date.now() - event.createdAt.getTime(),
      });
    const record = (
      delivery: Pick<Delivery, 'status' | 'runId' | 'error'>,
      announcement: NewEvent,
    ): DeliveryRecord => ({ delivery: { ...about, ...delivery }, event: announcement });
    const { maxChainDepth } = this.options;
    if (chainDepth > maxChainDepth) {
      const error = `stopped: ${chainDepth} deliveries in a row would exceed triggers.maxChainDepth (${maxChainDepth}); a trigger's target raises events that start it again`;
      note('stopped', { error });
      return record(
        { status: 'stopped', runId: null, error },
        { type: 'trigger.stopped', subject: trigger.name, payload: { ...about, maxChainDepth } },
      );
    }
    const delivered = deliveredEvent(event);
    const started = await this.#start(trigger, chainDepth, {
      event: delivered,
      input: trigger.input === undefined ? undefined : renderTemplate(trigger.input, delivered),
      idempotencyKey: `trigger:${trigger.name}:${event.id}`,
    });
    if ('error' in started) {
      note('failed', { error: started.error });
      return record(
        { status: 'failed', runId: null, error: started.error },
        {
          type: 'trigger.failed',
          subject: trigger.name,
          payload: { ...about, error: started.error },
        },
      );
    }
    note('started', { runId: started.runId });
    return record(
      { status: 'started', runId: started.runId, error: null },
      {
        type: 'trigger.delivered',
        subject: trigger.name,
        payload: { ...about, runId: started.runId },
      },
    );
  }

  /**
   * Starts the target as caused by the trigger at `chainDepth`. A refusal by the lake (the
   * target is gone) is the delivery's outcome; a passing one is tried again a few times;
   * anything else (the database is away) is thrown, so that the cursor stays before it.
   */
  async #start(
    trigger: Trigger,
    chainDepth: number,
    start: TargetStart,
  ): Promise<{ runId: string } | { error: string }> {
    const attempts = this.options.startAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        const run = await withCause({ source: `trigger:${trigger.name}`, chainDepth }, () =>
          this.deps.targets.start(trigger.target, start),
        );
        return { runId: run.id };
      } catch (error) {
        if (!(error instanceof LakeError) || error.code === 'METADATA_UNREACHABLE') throw error;
        if (!error.transient || attempt >= attempts)
          return { error: `${error.code}: ${error.message}` };
        await sleep(RETRY_BASE_MS * 2 ** (attempt - 1));
      }
    }
  }
}
