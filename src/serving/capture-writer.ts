/** Writes a batch of rows to a lake table as one snapshot (appending; made on first write). */
export type CaptureSink = (table: string, rows: Array<Record<string, unknown>>) => Promise<void>;

export interface CaptureStats {
  /** Rows taken into the buffer (the sampled share of the records scored). */
  readonly sampled: number;
  readonly written: number;
  /** Sampled rows dropped because the writer had fallen behind (the buffer was full). */
  readonly dropped: number;
  readonly pending: number;
  readonly lastError: string | null;
}

export interface CaptureOptions {
  /** Most rows held while a write is in flight; past it rows are dropped and counted. */
  maxPending?: number;
  /** Between writes. 1 second. */
  flushMs?: number;
}

/**
 * The background writer of an endpoint's data capture: `add` only pushes into a bounded
 * buffer (so a prediction is never slowed by the lake), and a timer writes what is there as
 * one snapshot, one write at a time. When writes cannot keep up the buffer fills, and
 * further rows are dropped and counted: capture becomes a smaller sample, and says so.
 */
export class CaptureWriter {
  #buffer: Array<Record<string, unknown>> = [];
  #sampled = 0;
  #written = 0;
  #dropped = 0;
  #lastError: string | null = null;
  #flushing: Promise<void> | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #maxPending: number;
  /** The share of requests captured; the host sets it from the record on each poll. */
  sample = 1;

  constructor(
    readonly table: string,
    private readonly sink: CaptureSink,
    options: CaptureOptions = {},
  ) {
    this.#maxPending = options.maxPending ?? 10_000;
    this.#timer = setInterval(() => void this.flush(), options.flushMs ?? 1000);
    this.#timer.unref();
  }

  add(rows: ReadonlyArray<Record<string, unknown>>): void {
    for (const row of rows) {
      this.#sampled++;
      if (this.#buffer.length >= this.#maxPending) this.#dropped++;
      else this.#buffer.push(row);
    }
  }

  /** Writes what is buffered now (after a write in flight, if any). */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (this.#buffer.length === 0) return Promise.resolve();
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = this.sink(this.table, batch)
      .then(
        () => {
          this.#written += batch.length;
          this.#lastError = null;
        },
        (error: unknown) => {
          // A failed batch is lost, counted as dropped: capture must never hold up serving.
          this.#dropped += batch.length;
          this.#lastError = error instanceof Error ? error.message : String(error);
        },
      )
      .finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  stats(): CaptureStats {
    return {
      sampled: this.#sampled,
      written: this.#written,
      dropped: this.#dropped,
      pending: this.#buffer.length,
      lastError: this.#lastError,
    };
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#flushing;
    await this.flush();
  }
}
