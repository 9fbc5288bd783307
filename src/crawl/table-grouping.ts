import type { TableFormat } from '../catalog/catalog-types.js';
import type { ProbedColumn } from '../engine/file-schema-probe.js';
import { groupBy } from './classifiers/sample-files.js';
import type { ClassifiedFile } from './classifiers/classifier.js';
import { compatibleSchemas, mergeColumns, type ColumnChange } from './schema-merge.js';
import { partitionedPath } from './partition-path.js';

export interface PlacedFile extends ClassifiedFile {
  partitionValues: Record<string, string | null>;
}

/** Files that form one table: one folder, one format, one reader setup, compatible schemas. */
export interface TableGroup {
  root: string;
  format: TableFormat;
  /** Table name before the crawler's prefix: the folder's name, with a suffix when split. */
  name: string;
  columns: ProbedColumn[];
  partitionNames: string[];
  properties: Record<string, string>;
  files: PlacedFile[];
  /** Type widenings found between this group's files, for the run summary. */
  changes: ColumnChange[];
  /** Set when one folder held incompatible schemas and this group was split off. */
  splitFrom?: string;
}

// Formats of dates differ between files of one dataset without making them two datasets.
const READER_KEYS_IGNORED = new Set(['dateformat', 'timestampformat']);

/**
 * Groups classified files into tables: by table folder (see `partitionedPath`), format,
 * partition names and reader setup, then by schema compatibility, so incompatible files in
 * one folder become separate tables (reported) instead of one table read wrong.
 */
export function groupTables(files: ClassifiedFile[], targetPrefix: string): TableGroup[] {
  const placed = files.map((file) => {
    const path = partitionedPath(file.key, targetPrefix);
    return {
      file: {
        ...file,
        partitionValues: Object.fromEntries(path.partitions.map((p) => [p.name, p.value])),
      },
      root: path.root,
      partitionNames: path.partitions.map((p) => p.name),
    };
  });
  const groups: TableGroup[] = [];
  for (const inRoot of groupBy(placed, (p) => p.root).values()) {
    const root = inRoot[0]!.root;
    const formats = new Set(inRoot.map((p) => p.file.format));
    for (const inFormat of groupBy(inRoot, (p) => p.file.format).values()) {
      const format = inFormat[0]!.file.format;
      const base = formats.size > 1 ? `${tableNameOf(root)}_${format}` : tableNameOf(root);
      const clusters: TableGroup[] = [];
      const byReader = groupBy(
        inFormat,
        (p) => `${p.partitionNames.join('/')}\n${readerKey(p.file.properties)}`,
      );
      for (const sameReader of byReader.values()) {
        const mine: TableGroup[] = [];
        for (const { file, partitionNames } of sameReader) {
          let cluster = mine.find((c) =>
            compatibleSchemas(format, c.columns, file.columns, partitionNames.length > 0),
          );
          if (!cluster) {
            cluster = {
              root,
              format,
              name: base,
              columns: file.columns.filter((c) => !partitionNames.includes(c.name.toLowerCase())),
              partitionNames,
              properties: { ...file.properties },
              files: [],
              changes: [],
            };
            mine.push(cluster);
          } else {
            const dataColumns = file.columns.filter(
              (c) => !partitionNames.includes(c.name.toLowerCase()),
            );
            const merged = mergeColumns(cluster.columns, dataColumns);
            cluster.columns = merged.columns;
            cluster.changes.push(...merged.changes.filter((c) => c.kind === 'widened'));
          }
          cluster.files.push(file);
        }
        clusters.push(...mine);
      }
      clusters.sort((a, b) => b.files.length - a.files.length);
      clusters.forEach((cluster, i) => {
        if (i === 0) return;
        cluster.name = `${base}_${i + 1}`;
        cluster.splitFrom = base;
      });
      groups.push(...clusters);
    }
  }
  return groups;
}

function readerKey(properties: Record<string, string>): string {
  return JSON.stringify(
    Object.entries(properties)
      .filter(([k]) => !READER_KEYS_IGNORED.has(k) && k !== 'json_format')
      .sort(),
  );
}

/** A table name from a folder: its last segment, folded to a valid identifier. */
export function tableNameOf(root: string): string {
  const segment = root.replace(/\/$/, '').split('/').pop() ?? 'table';
  const name = segment
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100);
  if (!name) return 'table';
  return /^[0-9]/.test(name) ? `t_${name}` : name;
}
