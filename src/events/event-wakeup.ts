import { setTimeout as sleep } from 'node:timers/promises';
import type { CommitNotifications, Listener } from '../meta/dialects/meta-dialect.js';
import { EVENTS_CHANNEL } from './append-events.js';

/**
 * What a follower of the log waits on between reads: a commit that appended events in any
 * process (LISTEN on PostgreSQL), or the poll interval, whichever comes first. The interval
 * stays the floor on PostgreSQL too, because the safe point can also move when a
 * transaction that appended nothing ends, and that sends no notification.
 */
export class EventWakeup {
  #listener: Listener | undefined;
  #pulse = new AbortController();
  #broken = false;

  #unsubscribe: (() => void) | undefined;

  /** `local`: appends in this process, heard at once (a pulse only; reads decide). */
  constructor(
    private readonly notifications: CommitNotifications | undefined,
    private readonly onError: (error: unknown) => void = () => undefined,
    local?: { onAppended(listener: () => void): () => void },
  ) {
    this.#unsubscribe = local?.onAppended(() => this.#pulse.abort());
  }

  /** Listens (again, after a broken connection); a failure to listen is reported, not thrown. */
  async listen(): Promise<void> {
    if (!this.notifications || (this.#listener && !this.#broken)) return;
    await this.#listener?.close().catch(() => undefined);
    this.#listener = undefined;
    this.#broken = false;
    try {
      this.#listener = await this.notifications.listen(
        EVENTS_CHANNEL,
        () => this.#pulse.abort(),
        (error) => {
          this.#broken = true;
          this.onError(error);
        },
      );
    } catch (error) {
      this.onError(error);
    }
  }

  /** Resolves on the next notification, after `ms`, or when `signal` aborts. */
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    await this.listen();
    const pulse = this.#pulse.signal;
    if (!pulse.aborted) {
      await sleep(ms, undefined, { signal: AbortSignal.any([pulse, signal]) }).catch(
        () => undefined,
      );
    }
    if (this.#pulse.signal.aborted) this.#pulse = new AbortController();
  }

  async close(): Promise<void> {
    this.#unsubscribe?.();
    await this.#listener?.close().catch(() => undefined);
    this.#listener = undefined;
  }
}
