import type { Kysely } from 'kysely';
import type { MetaSchema } from '../../meta/schema.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { EventLog } from '../event-log.js';
import { ObjectScanner, type ObjectScanCounts } from './object-scanner.js';
import { ObjectWatcher, type ObjectWatcherOptions } from './object-watcher.js';

export interface ObjectEventsSettings {
  zones: readonly string[];
  /** The directory of a local store's zones; undefined for S3. */
  localRoot: string | undefined;
  /** The lake's `events.scanEverySec`, in ms. */
  rescanEveryMs: number;
}

/** What `lake.watchObjects` takes: the watcher's options, all optional. */
export type WatchObjectsOptions = Partial<Omit<ObjectWatcherOptions, 'zones' | 'localRoot'>>;

/**
 * The lake's object events for out-of-band changes: one scanner (so that the looks at
 * objects still being written carry over between scans) and the watchers running on it.
 */
export class ObjectEvents {
  readonly #scanner: ObjectScanner;
  readonly #watchers = new Set<ObjectWatcher>();

  constructor(
    db: Kysely<MetaSchema>,
    log: EventLog,
    store: ObjectStore,
    private readonly settings: ObjectEventsSettings,
  ) {
    this.#scanner = new ObjectScanner(db, log, store, { zones: settings.zones });
  }

  scan(): Promise<ObjectScanCounts> {
    return this.#scanner.scan();
  }

  /** See ObjectScanner.markBaselined. */
  markBaselined(zones: readonly string[]): Promise<void> {
    return this.#scanner.markBaselined(zones);
  }

  async watch(options: WatchObjectsOptions = {}): Promise<ObjectWatcher> {
    const watcher = new ObjectWatcher(this.#scanner, {
      zones: this.settings.zones,
      localRoot: this.settings.localRoot,
      rescanEveryMs: this.settings.rescanEveryMs,
      ...options,
      onError:
        options.onError ??
        ((error) => console.error(`lakebox: watching objects: ${(error as Error).message}`)),
    });
    // Kept until the lake closes, which stops them (stopping twice is harmless).
    this.#watchers.add(watcher);
    await watcher.start();
    return watcher;
  }

  /** Stops every watcher still running (the lake is closing). */
  async close(): Promise<void> {
    await Promise.all([...this.#watchers].map((watcher) => watcher.stop()));
  }
}
