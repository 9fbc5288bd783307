/**
 * What the lake knows is in its storage: one row per object it has announced (or recorded
 * quietly: a baseline, a table's data file before its commit). A scan compares a listing
 * with these rows to find objects that arrived or left by other means than the lake's API.
 */
export interface ObjectStateRow {
  key: string;
  size: number;
  /** Null when the writer did not say (a table commit names only key and size). */
  etag: string | null;
  /** Epoch ms of the object's last modification, when known (scans know it, writes do not). */
  mtime: number | null;
  seen_at: number;
}

/** A zone whose objects have been recorded once, so that later scans announce changes. */
export interface ObjectZoneRow {
  zone: string;
  baselined_at: number;
}
