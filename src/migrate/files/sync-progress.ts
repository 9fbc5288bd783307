import type { RunContext } from '../../runs/run-executor.js';
import type { SyncCounters, SyncPhase } from './sync-types.js';

const REPORT_MS = 500;

export function emptyCounters(): SyncCounters {
  return {
    filesFound: 0,
    bytesFound: 0,
    filesTransferred: 0,
    bytesTransferred: 0,
    filesSkipped: 0,
    bytesSkipped: 0,
    filesFailed: 0,
    filesDeleted: 0,
    filesVerified: 0,
  };
}

/**
 * Publishes an execution's counters as the run's progress and metrics twice a second (the
 * counters change per chunk; the database hears of them at a fixed pace), plus throughput and
 * the time left, for progress bars and `lake.sync.status`.
 */
export class SyncProgress {
  readonly counters = emptyCounters();
  phase: SyncPhase = 'listing';
  /** Bytes the transfer phase has to move, for the ETA. */
  bytesToTransfer = 0;
  filesToTransfer = 0;
  #transferStartedAt: number | undefined;
  #timer: NodeJS.Timeout;

  constructor(private readonly ctx: RunContext) {
    this.#timer = setInterval(() => void this.publish(), REPORT_MS);
    this.#timer.unref();
  }

  enter(phase: SyncPhase): void {
    this.phase = phase;
    if (phase === 'transferring') this.#transferStartedAt = Date.now();
    void this.publish();
  }

  /** Metrics of the run: the counters, throughput and ETA. */
  metrics(): Record<string, number> {
    const elapsed = this.#transferStartedAt ? (Date.now() - this.#transferStartedAt) / 1000 : 0;
    const rate = elapsed > 0 ? this.counters.bytesTransferred / elapsed : 0;
    const left = Math.max(this.bytesToTransfer - this.counters.bytesTransferred, 0);
    return {
      ...this.counters,
      bytesPerSecond: Math.round(rate),
      ...(this.phase === 'transferring' && rate > 0 ? { etaSeconds: Math.ceil(left / rate) } : {}),
    };
  }

  async publish(): Promise<void> {
    const c = this.counters;
    await Promise.all([
      this.ctx.setProgress({
        phase: this.phase,
        done: this.phase === 'listing' ? c.filesFound : c.bytesTransferred,
        total: this.phase === 'listing' ? undefined : this.bytesToTransfer,
        unit: this.phase === 'listing' ? 'files' : 'bytes',
        message:
          this.phase === 'listing'
            ? `${c.filesFound} files found`
            : `${c.filesTransferred} of ${this.filesToTransfer} files transferred, ${c.filesSkipped} skipped, ${c.filesFailed} failed`,
      }),
      this.ctx.addMetrics(this.metrics()),
    ]);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.publish();
  }
}
