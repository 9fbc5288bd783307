/**
 * Watches an output stream for its reader going away (`lakebox query ... | head -2` closes the
 * pipe after two lines). Node reports that as an `EPIPE` error event on the stream, which,
 * unhandled, ends the process with a stack trace. A closed pipe is the reader saying it has
 * seen enough: the command stops writing (and a streaming command stops reading) and exits
 * as it would have, with exit 0 for a command that was going well (see docs/cli.md).
 *
 * One watcher per stream, kept for the stream's life: a write that fails after a command
 * has finished still reports its EPIPE later, and must still find a listener.
 */
export class ClosedPipe {
  static readonly #watchers = new WeakMap<NodeJS.WritableStream, ClosedPipe>();

  #closed = false;

  private constructor(stream: NodeJS.WritableStream) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.#closed = true;
      // Any other failure of stdout (a full disk under `> file`) is a real error.
      else throw error;
    });
  }

  /** The watcher of `stream`, created on first use. */
  static of(stream: NodeJS.WritableStream): ClosedPipe {
    let watcher = ClosedPipe.#watchers.get(stream);
    if (!watcher) {
      watcher = new ClosedPipe(stream);
      ClosedPipe.#watchers.set(stream, watcher);
    }
    return watcher;
  }

  /** True once the reader has closed the pipe: later writes are dropped. */
  get closed(): boolean {
    return this.#closed;
  }
}
