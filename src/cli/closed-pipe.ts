/**
 * Watches an output stream for its reader going away (`lakebox query ... | head -2` closes the
 * pipe after two lines). Node reports that as an `EPIPE` error event on the stream, which,
 * unhandled, ends the process with a stack trace. A closed pipe is the reader saying it has
 * seen enough: the command stops writing (and a streaming command stops reading) and exits
 * as it would have; exit 0 for a command that was going well.
 */
export class ClosedPipe {
  #closed = false;
  readonly #onError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.#closed = true;
    else throw error;
  };

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', this.#onError);
  }

  /** True once the reader has closed the pipe: later writes are dropped. */
  get closed(): boolean {
    return this.#closed;
  }

  dispose(): void {
    this.stream.off('error', this.#onError);
  }
}
