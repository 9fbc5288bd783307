/**
 * Where a file sits relative to its target: the folder its table stands for (the leading
 * folders that are not partitions) and its partition values. `key=value/` folders are Hive
 * partitions; unnamed date-like folders (`2024/01/05/`, `20240105/`) are `partition_<level>`.
 * Once a partition folder is met, every deeper folder is a partition level too, as Hive and
 * Glue read them.
 */
export interface PartitionedPath {
  /** Key prefix of the table's folder, ending with `/`. */
  root: string;
  partitions: Array<{ name: string; value: string | null }>;
}

const HIVE = /^([^=]+)=(.*)$/;
const DATE_LIKE = /^(\d{4}([-_]?\d{2}){0,2}|\d{8})$/;
const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

export function partitionedPath(key: string, targetPrefix: string): PartitionedPath {
  const folders = key.slice(targetPrefix.length).split('/').slice(0, -1);
  const partitions: PartitionedPath['partitions'] = [];
  let rootDepth = folders.length;
  for (let i = 0; i < folders.length; i++) {
    const folder = folders[i]!;
    const hive = HIVE.exec(folder);
    const inPartitions = partitions.length > 0;
    if (!hive && !inPartitions && !DATE_LIKE.test(folder)) continue;
    if (!inPartitions) rootDepth = i;
    // A named folder after the partitions started would make the table root ambiguous;
    // rootDepth only moves on the first partition folder.
    if (hive) partitions.push({ name: hive[1]!.toLowerCase(), value: decodeValue(hive[2]!) });
    else partitions.push({ name: `partition_${i - rootDepth}`, value: folder });
  }
  if (partitions.length === 0) rootDepth = folders.length;
  const rootFolders = folders.slice(0, rootDepth);
  return {
    root: targetPrefix + rootFolders.map((f) => `${f}/`).join(''),
    partitions,
  };
}

function decodeValue(raw: string): string | null {
  if (raw === HIVE_NULL) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * The type of a partition column from its values: BIGINT when every value is an integer
 * without leading zeros, DATE when every value is `YYYY-MM-DD`, VARCHAR otherwise.
 */
export function partitionType(values: Iterable<string | null>): string {
  let integer = true;
  let date = true;
  let any = false;
  for (const value of values) {
    if (value === null) continue;
    any = true;
    if (!/^-?(0|[1-9]\d{0,17})$/.test(value)) integer = false;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) date = false;
    if (!integer && !date) return 'VARCHAR';
  }
  if (!any) return 'VARCHAR';
  return integer ? 'BIGINT' : 'DATE';
}
