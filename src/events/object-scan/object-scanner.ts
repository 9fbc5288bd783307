import { stat } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import type { MetaSchema } from '../../meta/schema.js';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store.js';
import type { EventLog } from '../event-log.js';
import { recordObjectChanges } from '../object-state.js';
import { hasChanged, SettleGate, type KnownObject } from './object-diff.js';
import { commitChanges, quietChangeOf, type ScanChanges } from './scan-commit.js';
import { isScratchKey } from './scratch-key.js';

/** What one scan found, over every zone it listed. */
export interface ObjectScanCounts {
  /** Objects listed (scratch names left out). */
  listed: number;
  created: number;
  changed: number;
  removed: number;
  /** Objects recorded without events by the first scan of a zone. */
  baselined: number;
  /** New or changed objects not announced yet: still being written, or seen only once. */
  unsettled: number;
}

export interface ObjectScannerOptions {
  /** The top-level prefixes to scan. */
  zones: readonly string[];
  /**
   * An object changed less than this long ago is announced only once it has stayed the same
   * this long. Default 2000: longer than a sync takes to record what it wrote (its journal
   * flushes every second), so a scan does not announce a sync's file before the sync does.
   */
  settleMs?: number;
  /** Objects per listing page, and so per transaction at most. Default 1000. */
  pageSize?: number;
}

export const DEFAULT_SETTLE_MS = 2000;
/** Local files stat'ed at once for their ctime. */
const STATS_AT_ONCE = 32;

/**
 * Finds objects that reached a zone (or left it) by other means than the lake's API, such
 * as a file copied into a zone's folder or an object put into the bucket by another tool:
 * lists each zone page by page, compares with lb_object_state and appends `object.created`
 * and `object.removed` in one transaction per page with the state they imply. The first
 * scan of a zone records what is there without events, so an existing lake does not
 * announce every old file.
 *
 * @example
 * const scanner = new ObjectScanner(db, events, store, { zones: ['raw'] });
 * const counts = await scanner.scan(); // { listed: 3, created: 1, ... }
 */
export class ObjectScanner {
  readonly #gate: SettleGate;
  readonly #pageSize: number;
  #running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Kysely<MetaSchema>,
    private readonly log: EventLog,
    private readonly store: ObjectStore,
    private readonly options: ObjectScannerOptions,
  ) {
    this.#gate = new SettleGate(options.settleMs ?? DEFAULT_SETTLE_MS);
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** Scans `zones` (default: all), one scan at a time; resolves with what it found. */
  scan(zones: readonly string[] = this.options.zones): Promise<ObjectScanCounts> {
    const next = this.#running.catch(() => undefined).then(() => this.#scanAll(zones));
    this.#running = next;
    return next;
  }

  /**
   * Marks `zones` as baselined without listing them: for zones known to be empty (a new
   * lake's), so that the first file copied in before any scan is announced too.
   */
  async markBaselined(zones: readonly string[]): Promise<void> {
    if (zones.length === 0) return;
    await this.db
      .insertInto('lb_object_zone')
      .values(zones.map((zone) => ({ zone, baselined_at: Date.now() })))
      .onConflict((oc) => oc.column('zone').doNothing())
      .execute();
  }

  async #scanAll(zones: readonly string[]): Promise<ObjectScanCounts> {
    const counts = { listed: 0, created: 0, changed: 0, removed: 0, baselined: 0, unsettled: 0 };
    for (const zone of zones) await this.#scanZone(zone, counts);
    return counts;
  }

  async #scanZone(zone: string, counts: ObjectScanCounts): Promise<void> {
    const prefix = `${zone}/`;
    const baseline = !(await this.db
      .selectFrom('lb_object_zone')
      .select('zone')
      .where('zone', '=', zone)
      .executeTakeFirst());
    // Loaded before listing: an object the lake writes meanwhile is missing here and only
    // looks new, and the claims in #commit then find its row and skip it.
    const known = await this.#known(prefix);
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.store.list({
        prefix,
        maxKeys: this.#pageSize,
        continuationToken: token,
      });
      token = page.continuationToken;
      const objects = page.objects.filter((object) => !isScratchKey(object.key));
      for (const object of objects) seen.add(object.key);
      counts.listed += objects.length;
      if (baseline) {
        await this.db
          .transaction()
          .execute((trx) => recordObjectChanges(trx, objects.map(quietChangeOf)));
        counts.baselined += objects.length;
      } else {
        await this.#commitPage(objects, known, counts);
      }
    } while (token);
    const gone = [...known.keys()].filter((key) => !seen.has(key) && !isScratchKey(key));
    this.#gate.forgetMissing(prefix, seen);
    for (let i = 0; i < gone.length; i += this.#pageSize) {
      const keys = gone.slice(i, i + this.#pageSize);
      if (baseline) {
        await this.db.transaction().execute((trx) =>
          recordObjectChanges(
            trx,
            keys.map((key) => ({ type: 'object.removed', key })),
          ),
        );
      } else {
        const removed = keys.map((key): [string, KnownObject] => [key, known.get(key)!]);
        await this.#commit({ created: [], changed: [], gone: removed, refresh: [] }, counts);
      }
    }
    if (baseline) {
      await this.db
        .insertInto('lb_object_zone')
        .values({ zone, baselined_at: Date.now() })
        .onConflict((oc) => oc.column('zone').doNothing())
        .execute();
    }
  }

  /** Sorts a page into new, changed and refreshed objects, and commits them together. */
  async #commitPage(
    objects: readonly ObjectInfo[],
    known: ReadonlyMap<string, KnownObject>,
    counts: ObjectScanCounts,
  ): Promise<void> {
    const changes: ScanChanges = { created: [], changed: [], gone: [], refresh: [] };
    const candidates: ObjectInfo[] = [];
    for (const object of objects) {
      const previous = known.get(object.key);
      if (!previous || hasChanged(previous, object)) candidates.push(object);
      // A table commit records no etag: fill it in, so a later rewrite of the same size shows.
      else if (previous.etag === null) changes.refresh.push(object);
    }
    const changedAt = await this.#changeTimes(candidates);
    const now = Date.now();
    for (const object of candidates) {
      const previous = known.get(object.key);
      const at = changedAt.get(object.key);
      if (at === undefined) continue; // gone since the listing: the next scan sees it gone
      if (!this.#gate.isSettled(object, at, now)) {
        counts.unsettled++;
      } else if (previous) {
        changes.changed.push([object, previous]);
      } else {
        changes.created.push(object);
      }
    }
    await this.#commit(changes, counts);
  }

  async #commit(changes: ScanChanges, counts: ObjectScanCounts): Promise<void> {
    const claimed = await commitChanges(this.db, this.log, changes);
    counts.created += claimed.created;
    counts.changed += claimed.changed;
    counts.removed += claimed.removed;
  }

  /**
   * When each object last changed: its mtime, or for a local file the later of mtime and
   * ctime (the store's listing has only the mtime, which `cp -p` or a sync sets in the past).
   * A file that vanished since the listing is left out.
   */
  async #changeTimes(objects: readonly ObjectInfo[]): Promise<Map<string, number>> {
    const times = new Map<string, number>();
    for (let i = 0; i < objects.length; i += STATS_AT_ONCE) {
      await Promise.all(
        objects.slice(i, i + STATS_AT_ONCE).map(async (object) => {
          const path = this.store.localPath(object.key);
          const mtime = object.lastModified.getTime();
          if (path === undefined) return times.set(object.key, mtime);
          const stats = await stat(path).catch(() => undefined);
          if (stats) times.set(object.key, Math.max(mtime, stats.mtimeMs, stats.ctimeMs));
        }),
      );
    }
    return times;
  }

  async #known(prefix: string): Promise<Map<string, KnownObject>> {
    const rows = await this.db
      .selectFrom('lb_object_state')
      .select(['key', 'size', 'etag', 'mtime'])
      .where(sql<boolean>`key like ${`${prefix}%`}`)
      .execute();
    return new Map(
      rows.map((row) => [
        row.key,
        {
          size: Number(row.size),
          etag: row.etag,
          mtime: row.mtime === null ? null : Number(row.mtime),
        },
      ]),
    );
  }
}
