/**
 * Starts callback-style operations (a `fs.stat` with its callback, say) at most `limit` at a
 * time, the rest in the order given as earlier ones finish. For calls too cheap and too many
 * for a promise each; `runPool` is the promise-based sibling.
 */
export class CallbackQueue {
  #running = 0;
  readonly #waiting: ((done: () => void) => void)[] = [];

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
    const next = this.#waiting.shift();
    if (next) next(this.#done);
    else this.#running -= 1;
  };
}
