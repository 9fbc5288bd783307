import type pg from 'pg';
import { quoteIdentifier } from '../../../catalog/identifier.js';
import type { MigrationStateStore } from '../migration-state-store.js';
import { replicationNames, type MigrationTask } from '../migration-task.js';
import type { SourceTableRef } from '../source.js';
import { connectClient } from './postgres-connection.js';
import { qualified, type PostgresSource } from './postgres-source.js';

export interface PreparedReplication {
  /** The tables CDC can follow (those refused are in `error`). */
  tables: SourceTableRef[];
  /** The slot's exported snapshot, for a full load that CDC continues exactly. */
  snapshot?: string;
  releaseSnapshot(): Promise<void>;
  /** The slot existed and the full load it follows is done: continue from its position. */
  resumed: boolean;
}

/**
 * Sets up what the task's CDC needs on the source: a publication of its tables and a
 * pgoutput slot. A new slot made for a full load exports its snapshot, so the load reads
 * exactly the state the slot's first change follows (nothing lost, nothing twice). Tables
 * without a primary key are refused unless REPLICA IDENTITY FULL.
 */
export async function prepareReplication(
  source: PostgresSource,
  task: MigrationTask,
  refs: SourceTableRef[],
  store: MigrationStateStore,
  fullLoad: boolean,
): Promise<PreparedReplication> {
  const { slot, publication } = replicationNames(task.name);
  return source.withClient(async (client) => {
    const tables: SourceTableRef[] = [];
    for (const ref of refs) {
      const table = await source.describeTable(ref);
      if (table.keyColumns.length === 0 && table.replicaIdentity !== 'full') {
        await store.setTable(task.name, ref, {
          state: 'error',
          error: `${ref.schema}.${ref.name} has no primary key, so CDC cannot apply its changes; add one, or run ALTER TABLE ${qualified(ref)} REPLICA IDENTITY FULL. [CDC_UNSUPPORTED_TABLE]`,
        });
        continue;
      }
      tables.push(ref);
    }
    const list = tables.map(qualified).join(', ');
    const exists = await client.query('select 1 from pg_publication where pubname = $1', [
      publication,
    ]);
    if (exists.rowCount === 0) {
      await client.query(
        tables.length > 0
          ? `create publication ${quoteIdentifier(publication)} for table ${list}`
          : `create publication ${quoteIdentifier(publication)}`,
      );
    } else if (tables.length > 0) {
      await client.query(`alter publication ${quoteIdentifier(publication)} set table ${list}`);
    }
    const states = new Map(
      (await store.tables(task.name)).map((t) => [`${t.sourceSchema}.${t.sourceTable}`, t.state]),
    );
    const loaded = tables.every((t) =>
      ['loaded', 'replicating'].includes(states.get(`${t.schema}.${t.name}`) ?? ''),
    );
    const slotExists =
      (await client.query('select 1 from pg_replication_slots where slot_name = $1', [slot]))
        .rowCount! > 0;
    if (slotExists && (loaded || !fullLoad))
      return { tables, releaseSnapshot: async () => {}, resumed: true };
    if (slotExists) await client.query('select pg_drop_replication_slot($1)', [slot]); // a full load that never finished
    if (!fullLoad) {
      await client.query(`select pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
      return { tables, releaseSnapshot: async () => {}, resumed: false };
    }
    const replication: pg.Client = await connectClient(source.name, source.settings, {
      replication: true,
    });
    const created = await replication.query<{ snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT ${quoteIdentifier(slot)} LOGICAL pgoutput (SNAPSHOT 'export')`,
    );
    return {
      tables,
      snapshot: created.rows[0]!.snapshot_name,
      // The snapshot lives as long as this connection stays idle and open.
      releaseSnapshot: () => replication.end().catch(() => undefined),
      resumed: false,
    };
  });
}

/** Drops the task's slot and publication (when the task is deleted). */
export async function dropReplication(source: PostgresSource, task: string): Promise<void> {
  const { slot, publication } = replicationNames(task);
  await source.withClient(async (client) => {
    await client.query(
      'select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1',
      [slot],
    );
    await client.query(`drop publication if exists ${quoteIdentifier(publication)}`);
  });
}

/** `16/B374D848` → 64-bit integer, so LSNs order and subtract as numbers. */
export function lsnToBigInt(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

export function bigIntToLsn(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * What to pass to pg-logical-replication's `acknowledge` so that the slot confirms exactly
 * `end`, a commit's end LSN (the first byte after its record): the library reports the LSN
 * it is given plus one, as if given the last byte received. Confirming `end + 1` would make
 * a restart skip a transaction whose commit record starts right at `end`.
 */
export function acknowledgedLsn(end: bigint): string {
  return bigIntToLsn(end - 1n);
}
