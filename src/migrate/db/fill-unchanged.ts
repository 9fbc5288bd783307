import type { Change, RowText } from './cdc-change.js';

/** The lake's current rows for the given keys (each key's values by source column name). */
export type CurrentRows = (keys: RowText[]) => Promise<Map<string, RowText>>;

/** A row's identity within a batch: its key values, as one string. */
export function rowKey(keyColumns: string[], values: RowText): string {
  return JSON.stringify(keyColumns.map((k) => values[k] ?? null));
}

/**
 * Gives every UPDATE the values pgoutput left out as unchanged (large values stored out of
 * line, with the default replica identity): from the row's previous image in the same
 * batch when there is one (following the row through key changes), else from the lake's
 * current row, read once for all such rows of the batch. Changes are in stream order.
 *
 * @returns the number of updates whose row the lake did not have (their values stay NULL).
 */
export async function fillUnchanged(
  changes: Change[],
  keyColumns: string[],
  currentRows: CurrentRows,
): Promise<number> {
  if (keyColumns.length === 0 || !changes.some((c) => c.unchanged)) return 0;
  const lake = await currentRows(lakeRowsNeeded(changes, keyColumns));
  let missing = 0;
  // The row's latest full image in this batch, or null once deleted (or truncated away).
  const images = new Map<string, RowText | null>();
  let truncated = false;
  for (const change of changes) {
    if (change.op === 'T') {
      images.clear();
      truncated = true;
      continue;
    }
    if (change.moved) continue;
    const key = rowKey(keyColumns, change.values!);
    if (change.op === 'D') {
      images.set(key, null);
      continue;
    }
    const from = change.previousKey ? rowKey(keyColumns, change.previousKey) : key;
    if (change.unchanged) {
      const known = images.get(from);
      const base = known !== undefined ? known : truncated ? undefined : lake.get(from);
      if (base)
        for (const column of change.unchanged) change.values![column] = base[column] ?? null;
      else missing++;
      delete change.unchanged;
    }
    if (from !== key) images.set(from, null);
    images.set(key, change.values);
  }
  return missing;
}

/** The keys, as the batch starts, of rows an update needs the lake's values of. */
function lakeRowsNeeded(changes: Change[], keyColumns: string[]): RowText[] {
  // For each current key: the key its row had when the batch started, or null when the
  // batch has a full image of it (inserted, or updated with every value sent).
  const origins = new Map<string, { key: RowText } | null>();
  const needed = new Map<string, RowText>();
  for (const change of changes) {
    if (change.op === 'T') return [...needed.values()];
    if (change.moved) continue;
    const key = rowKey(keyColumns, change.values!);
    if (change.op === 'D') {
      origins.set(key, null);
      continue;
    }
    const previous = change.previousKey ?? change.values!;
    const from = rowKey(keyColumns, previous);
    const origin = origins.has(from) ? origins.get(from)! : { key: previous };
    if (change.op === 'U' && change.unchanged && origin) {
      needed.set(rowKey(keyColumns, origin.key), origin.key);
    }
    if (from !== key) origins.set(from, null);
    origins.set(key, change.op === 'U' && change.unchanged ? origin : null);
  }
  return [...needed.values()];
}
