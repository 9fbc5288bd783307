import { run as runGraphile, type Runner, type RunnerOptions } from 'graphile-worker';

/**
 * graphile-worker's runner, paused while the metadata database is away and replaced when
 * one of its worker slots dies. graphile polls for jobs every `pollInterval` per slot
 * whatever the errors, and a slot that fails to complete a job (the database went away at
 * that moment) exits for good ("TODO: ... spawn a new one" in graphile 0.16): left alone, a
 * long outage means a steady stream of connection attempts, then a worker that heartbeats
 * but takes no runs. Pausing stops the runner gracefully (jobs in flight go on to their
 * end); resuming starts a fresh one once the old one has drained, so the concurrency
 * stays what was asked for.
 */
export class GraphileRunner {
  #current: Runner | undefined;
  #draining: Promise<void> = Promise.resolve();
  #resuming: Promise<void> | undefined;
  #paused = false;
  #stopped = false;

  constructor(
    private readonly options: RunnerOptions,
    private readonly report: (error: unknown) => void,
  ) {}

  /** Starts taking jobs; throws when graphile cannot start (the database is away). */
  async start(): Promise<void> {
    this.#current = await this.#launch();
  }

  /** True while no runner fetches jobs (paused, or waiting to resume). */
  get paused(): boolean {
    return this.#paused;
  }

  /** Stops fetching jobs; the jobs in flight finish on the old runner. */
  pause(): void {
    if (this.#paused || this.#stopped) return;
    this.#paused = true;
    const old = this.#current;
    this.#current = undefined;
    if (old) {
      const previous = this.#draining;
      this.#draining = Promise.all([previous, old.stop().catch(this.report)]).then(() => undefined);
    }
  }

  /** Fetches again, with a fresh runner, once the paused one has drained. */
  resume(): void {
    if (!this.#paused || this.#stopped || this.#resuming) return;
    this.#resuming = (async () => {
      await this.#draining;
      if (this.#stopped) return;
      try {
        this.#current = await this.#launch();
        this.#paused = false;
      } catch (error) {
        this.report(error); // still paused: the next successful heartbeat tries again
      } finally {
        this.#resuming = undefined;
      }
    })();
  }

  /** Stops for good once the jobs in flight have ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#resuming;
    const current = this.#current;
    this.#current = undefined;
    await Promise.all([current?.stop(), this.#draining]);
  }

  async #launch(): Promise<Runner> {
    const runner = await runGraphile(this.options);
    runner.events.on('worker:fatalError', ({ error }) => {
      this.report(error);
      // Only this runner: a later one may already be taking jobs.
      if (this.#current === runner) this.pause();
    });
    return runner;
  }
}
