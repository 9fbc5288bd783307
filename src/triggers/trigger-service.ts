import { LakeError } from '../errors/lake-error.js';
import { ConsumerCursors } from '../events/consumer-cursors.js';
import { EventConsumer } from '../events/event-consumer.js';
import { EventWakeup } from '../events/event-wakeup.js';
import type { LakeServices } from '../lake-services.js';
import { RecordStore } from '../resources/record-store.js';
import { LeaderLock } from '../runs/leader-lock.js';
import { certainLoop } from './loop-check.js';
import {
  deleteDeliveries,
  TriggerDeliveries,
  type Delivery,
  type DeliveryStatus,
} from './trigger-deliveries.js';
import { TriggerDispatcher, type DispatcherOptions } from './trigger-dispatcher.js';
import { checkTemplate } from './trigger-input.js';
import { TRIGGER_KIND, type Trigger, type TriggerInput } from './trigger-kind.js';
import { checkPattern, type TriggerPattern } from './trigger-pattern.js';
import {
  formatTarget,
  parseTarget,
  type TriggerTarget,
  type TriggerTargets,
} from './trigger-target.js';

export interface CreateTriggerOptions {
  name: string;
  /** The events to take: a type pattern and filters. */
  pattern: TriggerPattern;
  /** What to start: `function:NAME`, `job:NAME`, `crawler:NAME`, `sync:NAME`, `migration:NAME`. */
  target: string | TriggerTarget;
  /** An input template as JSON text (or a value); without one the target gets the event. */
  input?: string | object;
  description?: string;
  enabled?: boolean;
}

/** A trigger with what it has done. */
export interface TriggerStatus {
  trigger: Trigger;
  counts: Record<DeliveryStatus, number>;
  recent: Delivery[];
}

/** The durable consumer the dispatcher reads the log through. */
export const DISPATCH_CONSUMER = 'triggers';
/** An arbitrary constant: the advisory lock of the one dispatching process. */
const DISPATCH_LOCK = 7_311_042_015;

/**
 * Triggers (the EventBridge part): an event pattern and a target, delivered by the
 * dispatcher that `lakebox serve` runs (or `lakebox dispatch` alone).
 *
 * @example
 * await lake.triggers.create({
 *   name: 'new-sales',
 *   pattern: { type: 'object.created', zone: 'raw', prefix: 'sales/', suffix: '.csv' },
 *   target: 'function:start-transform',
 * });
 */
export class TriggerService {
  readonly #records: RecordStore<Trigger, TriggerInput>;
  readonly #deliveries: TriggerDeliveries;

  constructor(
    private readonly services: LakeServices,
    private readonly targets: TriggerTargets,
  ) {
    this.#records = new RecordStore(services.db, services.events, TRIGGER_KIND);
    this.#deliveries = new TriggerDeliveries(services.db, services.events);
  }

  /**
   * Creates a trigger after checking its pattern, its target (which must exist) and its
   * input template, and refusing one whose target would certainly start it again.
   *
   * @throws LakeError INVALID_IDENTIFIER, INVALID_ARGUMENT (pattern, target, template),
   *   TRIGGER_EXISTS, TRIGGER_LOOP, and the target's not-found error (FUNCTION_NOT_FOUND, ...).
   */
  async create(options: CreateTriggerOptions): Promise<Trigger> {
    const name = TRIGGER_KIND.normalizeName!(String(options.name ?? ''));
    TRIGGER_KIND.checkName!(name);
    const pattern = checkPattern(options.pattern ?? { type: '' });
    const target =
      typeof options.target === 'string'
        ? parseTarget(options.target)
        : parseTarget(formatTarget(options.target));
    const input =
      options.input === undefined
        ? undefined
        : checkTemplate(
            typeof options.input === 'string' ? options.input : JSON.stringify(options.input),
          );
    const effects = await this.targets.effects(target);
    if (input !== undefined && !effects.takesInput) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `A ${target.kind} takes no input; drop the input template (only functions and jobs take one).`,
      );
    }
    const loop = certainLoop(pattern, effects);
    if (loop) {
      throw new LakeError(
        'TRIGGER_LOOP',
        `Trigger ${name} would start itself: its pattern ${pattern.type} matches what ${formatTarget(target)} does (${loop}). Narrow the pattern (zone, prefix, suffix, table, status) so that it excludes the target's own output.`,
        { details: { trigger: name, target: formatTarget(target) } },
      );
    }
    // The cursor starts here if it has none: events from now on reach the trigger even
    // when no dispatcher runs yet.
    await this.#consumer().position();
    return this.#records.create({
      name,
      pattern,
      target,
      input,
      description: options.description ?? null,
      enabled: options.enabled ?? true,
    });
  }

  /** @throws LakeError TRIGGER_NOT_FOUND, naming close matches. */
  get(name: string): Promise<Trigger> {
    return this.#records.get(name);
  }

  list(): Promise<Trigger[]> {
    return this.#records.list();
  }

  /** The trigger, its delivery counts and its latest deliveries. @throws TRIGGER_NOT_FOUND */
  async status(name: string, options: { limit?: number } = {}): Promise<TriggerStatus> {
    const trigger = await this.#records.get(name);
    const [counts, recent] = await Promise.all([
      this.#deliveries.counts(trigger.name),
      this.#deliveries.list(trigger.name, { limit: options.limit ?? 10 }),
    ]);
    return { trigger, counts, recent };
  }

  /** The trigger's deliveries, newest first. @throws LakeError TRIGGER_NOT_FOUND */
  async deliveries(
    name: string,
    options: { limit?: number; status?: DeliveryStatus } = {},
  ): Promise<Delivery[]> {
    return this.#deliveries.list((await this.#records.get(name)).name, options);
  }

  /** Stops delivering to the trigger; events that pass meanwhile are not delivered later. */
  enable(name: string): Promise<Trigger> {
    return this.#records.update(name, { enabled: 1 });
  }

  disable(name: string): Promise<Trigger> {
    return this.#records.update(name, { enabled: 0 });
  }

  /** Deletes the trigger and its delivery records; the runs it started stay on record. */
  delete(name: string): Promise<void> {
    return this.#records.delete(name, deleteDeliveries);
  }

  /**
   * The event dispatcher, not yet started (`lakebox serve` and `lakebox dispatch` run it).
   *
   * @example const dispatcher = lake.triggers.dispatcher({ onDelivery: console.log }); dispatcher.start();
   */
  dispatcher(
    options: Partial<DispatcherOptions> & { leaderRetryMs?: number } = {},
  ): TriggerDispatcher {
    const { db, dialect, config } = this.services;
    return new TriggerDispatcher(
      {
        triggers: () => this.#records.list(),
        deliveries: this.#deliveries,
        targets: this.targets,
        consumer: this.#consumer(),
        wakeup: new EventWakeup(dialect.notifications, options.onError, this.services.events),
        lock: new LeaderLock(db, dialect.concurrentWriters, DISPATCH_LOCK, {
          retryMs: options.leaderRetryMs,
        }),
      },
      {
        ...options,
        maxChainDepth: options.maxChainDepth ?? config.triggers.maxChainDepth,
        concurrency: options.concurrency ?? (dialect.concurrentWriters ? 16 : 1),
        pollMs: options.pollMs ?? (dialect.notifications ? 1000 : 100),
      },
    );
  }

  #consumer(): EventConsumer {
    return new EventConsumer(
      DISPATCH_CONSUMER,
      this.services.events,
      new ConsumerCursors(this.services.db),
      {
        startAt: 'end',
      },
    );
  }
}
