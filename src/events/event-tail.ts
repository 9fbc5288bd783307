import type { CommitNotifications } from '../meta/dialects/meta-dialect.js';
import type { EventLog, LakeEvent } from './event-log.js';
import type { EventPosition } from './event-position.js';
import { EventWakeup } from './event-wakeup.js';

export type EventHandler = (event: LakeEvent) => Promise<void> | void;

/** Where a tail reads from and records progress: a durable EventConsumer, or memory. */
export interface TailCursor {
  read(limit: number): Promise<LakeEvent[]>;
  commit(to: EventPosition): Promise<void>;
}

export interface EventTailOptions {
  /** A durable consumer to follow; otherwise a cursor in memory that starts at `after`. */
  cursor?: TailCursor;
  /** Start after this position (memory cursor); the log's head at start unless told. */
  after?: EventPosition;
  /** Only events of this type or glob (`object.*`), memory cursor. */
  type?: string;
  /** The longest wait between reads when idle: 1000 ms with notifications, else 200 ms. */
  pollMs?: number;
  /** PostgreSQL's LISTEN/NOTIFY, which wakes the tail at each commit that appended events. */
  notifications?: CommitNotifications;
  onError?: (error: unknown, event: LakeEvent | undefined) => void;
}

const BATCH = 500;

/**
 * Follows the event log and hands each event, in delivery order, to every handler: `lakebox
 * events tail`, and the event dispatcher hook of `lakebox serve`, which triggers consume.
 * Reads go through the safe point (EventLog.read), so the tail never passes an event that
 * commits late; the cursor moves after the handlers of a batch have run.
 */
export class EventTail {
  readonly #handlers: EventHandler[] = [];
  readonly #stop = new AbortController();
  readonly #pollMs: number;
  readonly #wakeup: EventWakeup;
  #loop: Promise<void> | undefined;
  #markReady!: () => void;
  readonly #ready = new Promise<void>((resolve) => (this.#markReady = resolve));
  #cursor: TailCursor | undefined;
  #position: EventPosition | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly options: EventTailOptions = {},
  ) {
    this.#pollMs = options.pollMs ?? (options.notifications ? 1000 : 200);
    this.#cursor = options.cursor;
    this.#position = options.after;
    this.#wakeup = new EventWakeup(options.notifications, (error) =>
      options.onError?.(error, undefined),
    );
  }

  /** The position of the last event handed to the handlers. */
  get position(): EventPosition | undefined {
    return this.#position;
  }

  on(handler: EventHandler): void {
    this.#handlers.push(handler);
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * Resolves once the tail is listening and its starting point is fixed: every event that
   * commits from then on reaches the handlers.
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.#wakeup.close();
  }

  async #memoryCursor(): Promise<TailCursor> {
    let position = this.#position ?? (await this.log.head());
    this.#position = position;
    return {
      read: (limit) => this.log.read(position, { type: this.options.type, limit }),
      commit: async (to) => {
        position = to;
      },
    };
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      let batch: LakeEvent[] = [];
      try {
        // Listening first: a commit between the first read and the first wait wakes it.
        await this.#wakeup.listen();
        this.#cursor ??= await this.#memoryCursor();
        batch = await this.#cursor.read(BATCH);
        this.#markReady();
      } catch (error) {
        this.options.onError?.(error, undefined);
      }
      for (const event of batch) {
        for (const handler of this.#handlers) {
          try {
            await handler(event);
          } catch (error) {
            this.options.onError?.(error, event);
          }
        }
        this.#position = event.position;
      }
      const last = batch.at(-1);
      if (last) {
        await this.#cursor!.commit(last.position).catch((error: unknown) =>
          this.options.onError?.(error, last),
        );
      }
      if (batch.length < BATCH) await this.#wakeup.wait(this.#pollMs, stop);
    }
  }
}
