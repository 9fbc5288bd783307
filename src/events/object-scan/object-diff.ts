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
 * is still writing has a fresh mtime and grows between looks, so an object is announced
 * only when its mtime is older than the settle time, or when it is exactly as it was at
 * the previous look. The looks live in memory: after a restart an object just waits for
 * one more look.
 */
export class SettleGate {
  readonly #looks = new Map<string, { size: number; etag: string; mtime: number }>();

  constructor(private readonly settleMs: number) {}

  /** True when `listed` may be announced now; otherwise remembers this look. */
  isSettled(listed: ObjectInfo, now: number): boolean {
    const mtime = listed.lastModified.getTime();
    const previous = this.#looks.get(listed.key);
    const settled =
      now - mtime >= this.settleMs ||
      (previous !== undefined &&
        previous.size === listed.size &&
        previous.etag === listed.etag &&
        previous.mtime === mtime);
    if (settled) this.#looks.delete(listed.key);
    else this.#looks.set(listed.key, { size: listed.size, etag: listed.etag, mtime });
    return settled;
  }

  /** Forgets the looks under `prefix` that `seen` does not hold (the object went away). */
  forgetMissing(prefix: string, seen: ReadonlySet<string>): void {
    for (const key of this.#looks.keys())
      if (key.startsWith(prefix) && !seen.has(key)) this.#looks.delete(key);
  }
}
