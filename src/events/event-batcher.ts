import { attributed } from './append-events.js';
import type { EventLog, NewEvent } from './event-log.js';

interface Pending {
  event: NewEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent appends into one multi-row insert: while a flush is writing, new
 * events queue up and the next flush takes them all. A writer that moves a hundred files at
 * once then pays a few transactions, not a hundred. Each `append` resolves once its event is
 * committed; order is kept.
 */
export class EventBatcher {
  #queue: Pending[] = [];
  #busy = false;

  constructor(private readonly log: EventLog) {}

  append(event: NewEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      // Attributed now: the flush runs in whichever append started it, not in this one's run.
      this.#queue.push({ event: attributed(event), resolve, reject });
      if (!this.#busy) {
        this.#busy = true;
        void this.#flush();
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      try {
        await this.log.appendMany(batch.map((p) => p.event));
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    this.#busy = false;
  }
}
