/**
 * The order files move in. A listing comes folder by folder, and transfers taken in that order
 * all create files in the same folder at once: each create (and each rename into place) holds
 * the folder's lock, so they queue on it, and on Linux the waiters spin on a core meanwhile.
 * Taking one file from each folder in turn spreads the files in flight over as many folders.
 */
export function acrossFolders<T extends { path: string }>(entries: readonly T[]): T[] {
  const folders = new Map<string, T[]>();
  for (const entry of entries) {
    const folder = entry.path.slice(0, entry.path.lastIndexOf('/') + 1);
    const files = folders.get(folder);
    if (files) files.push(entry);
    else folders.set(folder, [entry]);
  }
  if (folders.size < 2) return [...entries];
  const ordered: T[] = [];
  let lists = [...folders.values()];
  for (let round = 0; lists.length > 0; round++) {
    for (const files of lists) ordered.push(files[round]!);
    lists = lists.filter((files) => files.length > round + 1);
  }
  return ordered;
}
