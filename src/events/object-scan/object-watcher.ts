import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { DEFAULT_SETTLE_MS, type ObjectScanCounts, type ObjectScanner } from './object-scanner.js';

export interface ObjectWatcherOptions {
  /** The zones to watch and rescan. */
  zones: readonly string[];
  /**
   * The local directory holding the zones, for a local store: changes there trigger a scan
   * of their zone shortly after. Without it (S3), only the periodic rescan finds changes.
   */
  localRoot?: string;
  /** Every how many ms every zone is listed again, catching what watching missed. Default 30000. */
  rescanEveryMs?: number;
  /** How long after a change its zone is scanned, so a burst of changes costs one scan. Default 200. */
  debounceMs?: number;
  /** When a scan left objects unsettled, how long until they are looked at again. Default: just past the scanner's settle time. */
  lookAgainMs?: number;
  /** Called after every scan, with what it found. */
  onScan?: (counts: ObjectScanCounts, zones: readonly string[]) => void;
  /** Called with every error of a scan or of watching; the watcher keeps going. */
  onError: (error: unknown) => void;
}

/**
 * Keeps the object events of out-of-band changes flowing: watches a local store's zone
 * folders (Node's recursive `fs.watch`, inotify on Linux) and scans a zone soon after it
 * changes, rescans every zone periodically (all an S3 store gets), and looks again at
 * objects that were still being written. Errors go to `onError`, never into the void.
 *
 * @example
 * const watcher = new ObjectWatcher(scanner, { zones: ['raw'], localRoot: '/lake', onError: console.error });
 * await watcher.start();
 * // ... later
 * await watcher.stop();
 */
export class ObjectWatcher {
  readonly #watchers = new Map<string, FSWatcher>();
  /** Zones waiting for their scan, and the timer that will run it. */
  readonly #due = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  #rescan: NodeJS.Timeout | undefined;
  #scanning: Promise<void> = Promise.resolve();
  #stopped = true;

  constructor(
    private readonly scanner: ObjectScanner,
    private readonly options: ObjectWatcherOptions,
  ) {}

  /** Scans every zone once (the first scan of a zone records its baseline), then watches. */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    await this.#watchZones();
    for (const zone of this.options.zones) this.#due.add(zone);
    this.#scanning = this.#scanDue();
    await this.#scanning;
    this.#rescan = setInterval(() => {
      void this.#watchZones();
      this.#schedule(this.options.zones, 0);
    }, this.options.rescanEveryMs ?? 30_000);
  }

  /** Stops watching and rescanning, and waits for a scan in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#rescan);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const watcher of this.#watchers.values()) watcher.close();
    this.#watchers.clear();
    await this.#scanning;
  }

  /** (Re)starts watching a zone folder that is not watched, e.g. after it was recreated. */
  async #watchZones(): Promise<void> {
    const root = this.options.localRoot;
    if (!root || this.#stopped) return;
    for (const zone of this.options.zones) {
      if (this.#watchers.has(zone)) continue;
      try {
        const dir = join(root, zone);
        await mkdir(dir, { recursive: true });
        if (this.#stopped) return;
        const watcher = watch(dir, { recursive: true }, (_type, name) => {
          // Hidden entries are scratch (rsync, editors) and never announced: no scan for them.
          const path = typeof name === 'string' ? name : '';
          if (!path.split(sep).some((segment) => segment.startsWith('.')))
            this.#schedule([zone], this.options.debounceMs ?? 200);
        });
        watcher.on('error', (error) => {
          watcher.close();
          this.#watchers.delete(zone);
          this.options.onError(error);
        });
        this.#watchers.set(zone, watcher);
      } catch (error) {
        this.options.onError(error);
      }
    }
  }

  /** Scans `zones` in `delayMs`, or sooner if a scan is already due sooner. */
  #schedule(zones: readonly string[], delayMs: number): void {
    if (this.#stopped) return;
    for (const zone of zones) this.#due.add(zone);
    const at = Date.now() + delayMs;
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#scanning = this.#scanning.then(() => this.#scanDue());
    }, delayMs);
  }

  async #scanDue(): Promise<void> {
    if (this.#stopped || this.#due.size === 0) return;
    const zones = this.options.zones.filter((zone) => this.#due.has(zone));
    this.#due.clear();
    try {
      const counts = await this.scanner.scan(zones);
      this.options.onScan?.(counts, zones);
      if (counts.unsettled > 0)
        this.#schedule(zones, this.options.lookAgainMs ?? DEFAULT_SETTLE_MS + 100);
    } catch (error) {
      this.options.onError(error);
    }
  }
}
