import { isValidKey } from '../../storage/object-key.js';
import type { SyncJournal } from './sync-journal.js';
import type { SyncProgress } from './sync-progress.js';
import type { SyncTree, TreeEntry } from './sync-tree.js';

export interface SourceListing {
  files: Map<string, TreeEntry>;
  /** Every path the listing met, files or not: mirroring never deletes these. */
  seen: Set<string>;
  /** False when part of the source could not be listed: then nothing is deleted. */
  complete: boolean;
}

/** The source's files a task wants, with what it passed over reported as it goes. */
export async function listSource(
  source: SyncTree,
  wanted: (path: string) => boolean,
  destination: SyncTree,
  progress: SyncProgress,
  journal: SyncJournal,
  /** Told the files of each batch as soon as it is read; the listing waits for what it returns. */
  onFiles?: (paths: string[]) => Promise<void>,
): Promise<SourceListing> {
  const listing: SourceListing = { files: new Map(), seen: new Set(), complete: true };
  const counters = progress.counters;
  for await (const batch of source.list()) {
    const paths: string[] = [];
    for (const item of batch) {
      if (item.kind !== 'file') {
        if (item.kind === 'skipped' && !wanted(item.path)) continue;
        listing.seen.add(item.path);
        if (item.kind === 'failed') listing.complete = false;
        // Found, and then skipped or failed: the counts add up (found = transferred +
        // skipped + failed), so nothing the listing met goes uncounted.
        counters.filesFound += 1;
        counters[item.kind === 'failed' ? 'filesFailed' : 'filesSkipped'] += 1;
        journal.report(item.path, item.kind, 0, item.code, item.message);
        continue;
      }
      const { entry } = item;
      if (!wanted(entry.path)) continue;
      listing.seen.add(entry.path);
      const key = destination.objectKey?.(entry.path) ?? entry.path;
      if (!isValidKey(entry.path) || !isValidKey(key)) {
        counters.filesFound += 1;
        counters.filesSkipped += 1;
        journal.report(
          entry.path,
          'skipped',
          entry.size,
          'INVALID_NAME',
          `${JSON.stringify(entry.path)} cannot be a key at the destination`,
        );
        continue;
      }
      counters.filesFound += 1;
      counters.bytesFound += entry.size;
      listing.files.set(entry.path, entry);
      paths.push(entry.path);
    }
    if (paths.length > 0) await onFiles?.(paths);
  }
  return listing;
}

/** Every file of a tree, by path. */
export async function listFiles(tree: SyncTree): Promise<Map<string, TreeEntry>> {
  const files = new Map<string, TreeEntry>();
  for await (const batch of tree.list())
    for (const item of batch) if (item.kind === 'file') files.set(item.entry.path, item.entry);
  return files;
}
