import type { ObjectInfo } from '../../storage/object-store.js';

/** What the lake has recorded of one object (a row of lb_object_state). */
export interface KnownObject {
  size: number;
  etag: string | null;
  mtime: number | null;
}

/**
 * Whether a listed object differs from what is known of it. An etag or mtime that the
 * writer did not record (a table commit gives only the size) is not compared.
 */
export function hasChanged(known: KnownObject, listed: ObjectInfo): boolean {
  if (known.size !== listed.size) return true;
  if (known.etag !== null && known.etag !== listed.etag) return true;
  return known.mtime !== null && known.mtime !== listed.lastModified.getTime();
}

/**
 * Decides when a new or changed object is complete enough to announce. A file that `cp`
 * is still writing has a fresh change time and grows between looks, so an object is
 * announced only when its last change is older than the settle time, or when it has looked
 * exactly the same for the settle time. Looks a moment apart prove nothing (a watcher may
 * scan every 200 ms while a copy runs). The looks live in memory: after a restart an
 * object just waits to be looked at again.
 */
export class SettleGate {
  readonly #looks = new Map<string, { size: number; etag: string; since: number }>();

  constructor(private readonly settleMs: number) {}

  /**
   * True when `listed` may be announced now; otherwise remembers this look. `changedAt` is
   * when the object last changed (epoch ms): its mtime, or a local file's later ctime, which
   * a copy that preserves mtimes (a sync, `cp -p`) cannot set in the past.
   */
  isSettled(listed: ObjectInfo, changedAt: number, now: number): boolean {
    const previous = this.#looks.get(listed.key);
    const same =
      previous !== undefined && previous.size === listed.size && previous.etag === listed.etag;
    const settled =
      now - changedAt >= this.settleMs || (same && now - previous.since >= this.settleMs);
    if (settled) this.#looks.delete(listed.key);
    else if (!same)
      this.#looks.set(listed.key, { size: listed.size, etag: listed.etag, since: now });
    return settled;
  }

  /** Forgets the looks under `prefix` that `seen` does not hold (the object went away). */
  forgetMissing(prefix: string, seen: ReadonlySet<string>): void {
    for (const key of this.#looks.keys())
      if (key.startsWith(prefix) && !seen.has(key)) this.#looks.delete(key);
  }
}
