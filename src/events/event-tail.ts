import { setTimeout as sleep } from 'node:timers/promises';
import type { EventLog, LakeEvent } from './event-log.js';

export type EventHandler = (event: LakeEvent) => Promise<void> | void;

export interface EventTailOptions {
  /** Start after this id; the newest event at start unless told. */
  after?: number;
  /** Only events of this type or glob (`object.*`). */
  type?: string;
  /** How often the log is read when idle. 250 ms. */
  pollMs?: number;
  onError?: (error: unknown, event: LakeEvent | undefined) => void;
}

/**
 * Follows the event log and hands each event, in id order, to every handler: the event
 * dispatcher hook of `lakebox serve`, which triggers consume. Ids commit in order (see
 * insertEvents), so reading after the last id seen never skips an event.
 */
export class EventTail {
  readonly #handlers: EventHandler[] = [];
  readonly #stop = new AbortController();
  readonly #pollMs: number;
  #loop: Promise<void> | undefined;
  #position: number | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly options: EventTailOptions = {},
  ) {
    this.#pollMs = options.pollMs ?? 250;
    this.#position = options.after;
  }

  /** The id of the last event handed to the handlers. */
  get position(): number | undefined {
    return this.#position;
  }

  on(handler: EventHandler): void {
    this.#handlers.push(handler);
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      let batch: LakeEvent[] = [];
      try {
        this.#position ??= (await this.log.list({ newestFirst: true, limit: 1 }))[0]?.id ?? 0;
        batch = await this.log.list({ type: this.options.type, after: this.#position, limit: 500 });
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
        this.#position = event.id;
      }
      if (batch.length < 500)
        await sleep(this.#pollMs, undefined, { signal: stop }).catch(() => {});
    }
  }
}
