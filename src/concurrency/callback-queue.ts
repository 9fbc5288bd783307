/**
 * Starts callback-style operations (a `fs.stat` with its callback, say) at most `limit` at a
 * time, the rest in the order given as earlier ones finish. For calls too cheap and too many
 * for a promise each; `runPool` is the promise-based sibling.
 */
export class CallbackQueue {
  #running = 0;
  // Read from `#head` on, and emptied once drained: `shift` would copy the rest each time.
  #waiting: (((done: () => void) => void) | undefined)[] = [];
  #head = 0;

  constructor(readonly limit: number) {}

  /** Starts `operation` now or once a slot frees; it must call `done` exactly once. */
  run(operation: (done: () => void) => void): void {
    if (this.#running >= this.limit) {
      this.#waiting.push(operation);
      return;
    }
    this.#running += 1;
    operation(this.#done);
  }

  readonly #done = (): void => {
    if (this.#head === this.#waiting.length) {
      this.#running -= 1;
      return;
    }
    const next = this.#waiting[this.#head]!;
    this.#waiting[this.#head++] = undefined;
    if (this.#head === this.#waiting.length) {
      this.#waiting = [];
      this.#head = 0;
    }
    next(this.#done);
  };
}
