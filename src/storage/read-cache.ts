/**
 * Local copies of remote objects for the engine, which reads files. A copy is named by its
 * key's hash and its etag, so a changed object is downloaded again and an unchanged one never
 * is. The least recently used copies are evicted past a byte limit; the last-use time is the
 * file's mtime, so that processes sharing the directory agree on it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LakeError } from '../errors/lake-error.js';
import type { ObjectStore } from './object-store.js';

export interface ReadCacheOptions {
  /** Where copies live; created when needed. */
  cacheDir: string;
  /** Total size of the copies above which the least recently used are evicted. Default 2 GiB. */
  maxBytes?: number;
  /**
   * Copies used this recently are kept even past `maxBytes`, so that a path just handed to
   * the engine is not deleted before the engine opens it. Default 10 minutes.
   */
  keepRecentMs?: number;
}

const TMP_PREFIX = '.download-';
// Downloads left behind by a crashed process are removed once this old.
const STALE_DOWNLOAD_MS = 24 * 60 * 60 * 1000;

/**
 * A local file path for any object: the store's own file when it has one (fs), otherwise a
 * cached download that is reused while the object's etag is unchanged.
 *
 * @example
 * const cache = new ReadCache(store, { cacheDir: '/tmp/lakebox-cache' });
 * const path = await cache.localPath('curated/sales/data/part-0.parquet');
 * await duckdb.run(`SELECT count(*) FROM read_parquet('${path}')`);
 */
export class ReadCache {
  private readonly maxBytes: number;
  private readonly keepRecentMs: number;
  private readonly downloads = new Map<string, Promise<string>>();
  private eviction: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ObjectStore,
    private readonly options: ReadCacheOptions,
  ) {
    this.maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
    this.keepRecentMs = options.keepRecentMs ?? 10 * 60 * 1000;
  }

  /** The folder the cached copies live in. */
  get directory(): string {
    return this.options.cacheDir;
  }

  /** The path of a local file holding the object's current content. Throws `OBJECT_NOT_FOUND`. */
  async localPath(key: string): Promise<string> {
    const direct = this.store.localPath(key);
    if (direct !== undefined) {
      if (!(await this.store.head(key))) throw notFound(key, this.store.location);
      return direct;
    }
    const info = await this.store.head(key);
    if (!info) throw notFound(key, this.store.location);
    return this.cached(key, cacheFileName(key, info.etag), { etag: info.etag, size: info.size });
  }

  /**
   * Like `localPath`, for an object that never changes once written (a table's data file,
   * named by a UUID) and whose size the caller knows: a cached copy of that size is reused
   * without asking the store, which saves a request per file per query on S3.
   */
  async immutablePath(key: string, size: number): Promise<string> {
    const direct = this.store.localPath(key);
    if (direct !== undefined) return direct;
    return this.cached(key, cacheFileName(key, `immutable-${size}`), { size });
  }

  private async cached(
    key: string,
    name: string,
    expect: { etag?: string; size: number },
  ): Promise<string> {
    const path = join(this.options.cacheDir, name);
    if (await this.touch(path, expect.size)) return path;
    // Concurrent callers for the same version share one download.
    let download = this.downloads.get(path);
    if (!download) {
      download = this.download(key, expect, path).finally(() => this.downloads.delete(path));
      this.downloads.set(path, download);
    }
    return download;
  }

  /** Marks a cached copy as just used; false when it is missing or incomplete. */
  private async touch(path: string, size: number): Promise<boolean> {
    try {
      const now = new Date();
      // Touch before checking, so that a concurrent eviction sees it as recent.
      await utimes(path, now, now);
      return (await stat(path)).size === size;
    } catch {
      return false;
    }
  }

  private async download(
    key: string,
    expect: { etag?: string; size: number },
    path: string,
  ): Promise<string> {
    await mkdir(this.options.cacheDir, { recursive: true });
    const tmp = join(this.options.cacheDir, `${TMP_PREFIX}${randomUUID()}`);
    try {
      await pipeline(await this.store.get(key), createWriteStream(tmp));
      // The object may have changed between head and get; keep the copy only if it did not.
      const changed =
        expect.etag !== undefined
          ? (await this.store.head(key))?.etag !== expect.etag
          : (await stat(tmp)).size !== expect.size;
      if (changed) {
        throw new LakeError(
          'STORAGE_ERROR',
          `Object ${JSON.stringify(key)} changed while it was being downloaded. Retry the read.`,
          { transient: true },
        );
      }
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    this.eviction = this.eviction.then(() => this.evict(path)).catch(() => {});
    await this.eviction;
    return path;
  }

  /** Deletes least recently used copies until the total fits; never recent ones, nor `keep`. */
  private async evict(keep: string): Promise<void> {
    const now = Date.now();
    const files: Array<{ path: string; size: number; usedAt: number }> = [];
    let total = 0;
    for (const name of await readdir(this.options.cacheDir)) {
      const path = join(this.options.cacheDir, name);
      const stats = await stat(path).catch(() => undefined);
      if (!stats?.isFile()) continue;
      if (name.startsWith(TMP_PREFIX)) {
        if (now - stats.mtimeMs > STALE_DOWNLOAD_MS) await rm(path, { force: true });
        continue;
      }
      total += stats.size;
      files.push({ path, size: stats.size, usedAt: stats.mtimeMs });
    }
    files.sort((a, b) => a.usedAt - b.usedAt);
    for (const file of files) {
      if (total <= this.maxBytes) break;
      if (file.path === keep || now - file.usedAt < this.keepRecentMs) continue;
      await rm(file.path, { force: true });
      total -= file.size;
    }
  }
}

/** `<sha256(key) prefix>-<etag sanitized>.<extension>`: engines pick a reader by extension. */
export function cacheFileName(key: string, etag: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 24);
  const tag = etag.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  const extension = extname(key)
    .replace(/[^A-Za-z0-9.]/g, '')
    .slice(0, 16);
  return `${hash}-${tag}${extension}`;
}

function notFound(key: string, location: string): LakeError {
  return new LakeError(
    'OBJECT_NOT_FOUND',
    `Object ${JSON.stringify(key)} does not exist in ${location}. Check the key, or list its prefix.`,
    {
      details: { key },
    },
  );
}
