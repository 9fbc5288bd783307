import type { TableMappings } from './table-mapping.js';

export type MigrationType = 'full-load' | 'cdc' | 'full-load-and-cdc';
export const MIGRATION_TYPES: readonly MigrationType[] = ['full-load', 'cdc', 'full-load-and-cdc'];

export type TableStateName = 'pending' | 'loading' | 'loaded' | 'replicating' | 'error';

export interface MigrationSettings {
  /** Tables loaded at once. */
  parallelTables: number;
  /** A table with more (estimated) rows than this is read in key ranges in parallel. */
  splitRows: number;
  /** How many key ranges a large table is split into. */
  rangeParts: number;
  /** CDC: a batch is applied after this many seconds... */
  batchSeconds: number;
  /** ...or this many changes, whichever comes first. */
  batchChanges: number;
}

export const DEFAULT_SETTINGS: MigrationSettings = {
  parallelTables: 2,
  splitRows: 500_000,
  rangeParts: 4,
  batchSeconds: 1,
  batchChanges: 10_000,
};

/** A migration task (DMS replication task) as stored. */
export interface MigrationTask {
  name: string;
  source: string;
  targetDatabase: string;
  type: MigrationType;
  mappings: TableMappings;
  settings: MigrationSettings;
  /** The latest run of the task. */
  runId: string | null;
  /** CDC: the source position confirmed to the replication slot (all before it is in the lake). */
  confirmedLsn: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TableStatus {
  sourceSchema: string;
  sourceTable: string;
  targetTable: string;
  state: TableStateName;
  rowsLoaded: number;
  rowsRejected: number;
  changesApplied: number;
  lastLsn: string | null;
  lagSeconds: number | null;
  lagBytes: number | null;
  error: string | null;
  updatedAt: Date;
}

/** Names of the slot and publication a CDC task manages. */
export function replicationNames(task: string): { slot: string; publication: string } {
  return { slot: `lakebox_${task}`, publication: `lakebox_${task}` };
}
