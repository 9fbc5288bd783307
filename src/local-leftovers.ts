import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What writers keep in the lake directory's `.lakebox/` only while they work, and a writer
 * that dies leaves behind: table-write staging, the work folders of features (jobs, compaction,
 * migration staging, cached transforms). Entries older than the grace
 * period are removed; returns how many were (or, in a dry run, would be).
 */
export async function removeLocalLeftovers(
  workRoot: string,
  graceMs: number,
  dryRun: boolean,
): Promise<number> {
  const folders = [join(workRoot, 'staging'), join(workRoot, 'tmp')];
  for (const purpose of await readdir(join(workRoot, 'work')).catch(() => [] as string[])) {
    folders.push(join(workRoot, 'work', purpose));
  }
  const cutoff = Date.now() - graceMs;
  let removed = 0;
  for (const folder of folders) {
    for (const entry of await readdir(folder).catch(() => [] as string[])) {
      const path = join(folder, entry);
      const info = await stat(path).catch(() => undefined);
      if (!info || info.mtimeMs > cutoff) continue;
      if (!dryRun) await rm(path, { recursive: true, force: true });
      removed += 1;
    }
  }
  return removed;
}
