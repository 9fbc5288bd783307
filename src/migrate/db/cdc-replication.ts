import { LogicalReplicationService, PgoutputPlugin } from 'pg-logical-replication';
import type { Pgoutput } from 'pg-logical-replication';
import type pg from 'pg';
import { quoteIdentifier, quoteLiteral } from '../../catalog/identifier.js';
import type { CsvStreamWriter } from '../../engine/csv-stream-writer.js';
import { isLakeError, LakeError } from '../../errors/lake-error.js';
import type { LakeServices } from '../../lake-services.js';
import type { RunContext } from '../../runs/run-executor.js';
import type { Change, RowText } from './cdc-change.js';
import type { MigrationStateStore } from './migration-state-store.js';
import { replicationNames, type MigrationTask } from './migration-task.js';
import { clientConfig, postgresError } from './postgres/postgres-connection.js';
import {
  describeTypes,
  qualified,
  sourceColumn,
  type PostgresSource,
  type PostgresTable,
} from './postgres/postgres-source.js';
import { acknowledgedLsn, bigIntToLsn, lsnToBigInt } from './postgres/postgres-replication.js';
import { replicationText } from './postgres/replication-text.js';
import { planTable } from './table-mapping.js';
import { appliedLsn, applyBatch, type Batch, type Followed } from './cdc-batch-apply.js';
import { classifySchemaChange } from './schema-change.js';
import { applySchemaChange, describeApplied, reloadHint } from './apply-schema-change.js';

/**
 * Follows the task's slot with pgoutput until the run is cancelled. Changes of whole
 * transactions are gathered into a batch (every `batchSeconds` or `batchChanges`); each
 * batch is appended to each table's change table (`_op`, `_lsn` = commit LSN, `_seq`,
 * `_commit_ts`, columns) and merged into the current-state table by key, and only then is
 * the slot's confirmed LSN moved. A restart replays from that LSN: change tables skip what
 * their last snapshot already holds (its `cdcLsn`), and the merge is last-change-wins per
 * key, so replaying a batch again leaves the same state: nothing lost, nothing doubled.
 */
export async function runCdc(
  services: LakeServices,
  ctx: RunContext,
  task: MigrationTask,
  source: PostgresSource,
  store: MigrationStateStore,
  writer: CsvStreamWriter,
): Promise<void> {
  const { slot, publication } = replicationNames(task.name);
  const side = await source.connect();
  const followed = new Map<string, Followed>();
  const byOid = new Map<number, Followed>();
  for (const state of await store.tables(task.name)) {
    if (state.state === 'error') continue;
    const ref = { schema: state.sourceSchema, name: state.sourceTable };
    const table = (await source.describeTable(ref)) as PostgresTable;
    const plan = planTable(task.mappings, table, quoteIdentifier, quoteLiteral);
    const target = `${task.targetDatabase}.${plan.target}`;
    const changeTable = `${target}_changes`;
    const entry: Followed = {
      key: `${ref.schema}.${ref.name}`,
      table,
      plan,
      target,
      changeTable,
      appliedLsn: await appliedLsn(services, changeTable),
      changesApplied: state.changesApplied,
      dropped: false,
    };
    followed.set(entry.key, entry);
    byOid.set(table.oid, entry);
    await store.setTable(task.name, ref, {
      state: 'replicating',
      targetTable: target,
      error: null,
    });
  }

  let batch: Batch = { changes: new Map(), endLsn: null, count: 0, commitTimes: [] };
  let txn: { lsn: bigint; commitTs: string; seq: number; changes: Array<[string, Change]> } | null =
    null;
  // The end of the last commit whose changes are all in the lake (the slot's restart point).
  let confirmed: bigint | null = task.confirmedLsn ? lsnToBigInt(task.confirmedLsn) : null;
  const lags: number[] = [];
  let chain: Promise<void> = Promise.resolve();
  const service = new LogicalReplicationService(
    clientConfig(source.name, source.settings, { replication: true }) as pg.ClientConfig,
    { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
  );
  const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [publication] });
  rawTextValues(plugin);

  const flush = (): Promise<void> => {
    chain = chain.then(async () => {
      if (batch.endLsn === null) return;
      const current = batch;
      batch = { changes: new Map(), endLsn: null, count: 0, commitTimes: [] };
      await applyBatch(services, writer, current, followed, store, task, (level, message) =>
        ctx.log(level, message),
      );
      const now = Date.now();
      for (const t of current.commitTimes) lags.push(now - t);
      if (lags.length > 10_000) lags.splice(0, lags.length - 10_000);
      const end = current.endLsn!;
      confirmed = end;
      await service.acknowledge(acknowledgedLsn(end));
      await store.setRunState(task.name, { confirmedLsn: bigIntToLsn(end) });
      const head = await side.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      const lagBytes = Number(lsnToBigInt(head.rows[0]!.lsn) - end);
      const lagSeconds =
        current.commitTimes.length > 0 ? (now - Math.min(...current.commitTimes)) / 1000 : 0;
      for (const entry of followed.values()) {
        if (entry.dropped) continue;
        await store.setTable(task.name, entry.table, {
          lastLsn: bigIntToLsn(end),
          lagBytes: Math.max(0, lagBytes),
          lagSeconds: current.changes.has(entry.key) ? lagSeconds : 0,
          changesApplied: entry.changesApplied,
        });
      }
      await ctx.addMetrics({
        changesApplied: [...followed.values()].reduce((n, e) => n + e.changesApplied, 0),
        lagP95Ms: percentile(lags, 95),
        lagBytes: Math.max(0, lagBytes),
      });
      await ctx.setProgress({ phase: 'cdc', message: `confirmed ${bigIntToLsn(end)}` });
    });
    return chain;
  };

  const checkDropped = async () => {
    for (const entry of followed.values()) {
      if (entry.dropped) continue;
      const { rows } = await side.query<{ oid: string | null }>(
        'select to_regclass($1)::text as oid',
        [qualified(entry.table)],
      );
      if (rows[0]!.oid === null) {
        entry.dropped = true;
        await store.setTable(task.name, entry.table, {
          state: 'error',
          error: `Source table ${entry.key} was dropped during replication; its lake tables keep what was replicated before.`,
        });
        await ctx.log('error', `${entry.key} was dropped on the source; the other tables continue`);
      }
    }
  };

  service.on('data', async (lsn: string, message: Pgoutput.Message) => {
    switch (message.tag) {
      case 'begin':
        txn = {
          lsn: lsnToBigInt(message.commitLsn ?? lsn),
          commitTs: isoMicros(message.commitTime as bigint),
          seq: 0,
          changes: [],
        };
        return;
      case 'relation': {
        const entry = byOid.get(message.relationOid);
        if (!entry || entry.dropped) return;
        const types = await describeTypes(
          side,
          message.columns.map((c) => ({ oid: c.typeOid, typmod: c.typeMod })),
        );
        const columns = message.columns.map((c, i) => sourceColumn(c.name, types[i]!, true));
        const schemaChange = classifySchemaChange(entry.key, entry.table.columns, columns);
        if (schemaChange.kind === 'none') return;
        // Apply what was read with the old columns first, then follow the new ones.
        await flush();
        try {
          if (schemaChange.kind === 'stop')
            throw new LakeError(
              'SOURCE_SCHEMA_CHANGED',
              `${capitalised(schemaChange.reason)}. ${entry.target} stopped following ${entry.key} at the transaction committed at LSN ${bigIntToLsn(txn?.lsn ?? lsnToBigInt(lsn))} and keeps what was replicated before; reload the table to follow it again (${reloadHint(task.name)}).`,
            );
          const table: PostgresTable = { ...entry.table, columns, types };
          await applySchemaChange(services, side, entry, table, schemaChange, task);
          entry.table = table;
          entry.plan = planTable(task.mappings, table, quoteIdentifier, quoteLiteral);
          await ctx.info(`${entry.key}: ${describeApplied(schemaChange)}`);
        } catch (error) {
          if (!isLakeError(error) || error.transient) throw error;
          entry.dropped = true;
          await store.setTable(task.name, entry.table, {
            state: 'error',
            error: `${error.message} [${error.code}]`,
          });
          await ctx.log(
            'error',
            `${entry.key} stopped: ${error.message}; the other tables continue`,
          );
        }
        return;
      }
      case 'insert':
      case 'update':
      case 'delete': {
        const entry = byOid.get(message.relation.relationOid);
        if (!entry || !txn) return;
        const row = message.tag === 'delete' ? (message.key ?? message.old) : message.new;
        let previousKey: RowText | undefined;
        if (message.tag === 'update' && (message.key || message.old)) {
          const old = (message.key ?? message.old)!;
          if (
            entry.table.keyColumns.some((k) => old[k] !== undefined && old[k] !== message.new[k])
          ) {
            previousKey = textValues(entry, old);
            txn.changes.push([entry.key, { ...change('D', txn, previousKey), moved: true }]);
          }
        }
        const values = textValues(entry, row!);
        const next = change(
          message.tag === 'insert' ? 'I' : message.tag === 'update' ? 'U' : 'D',
          txn,
          values,
        );
        if (message.tag === 'update') {
          // pg-logical-replication leaves out a value sent as 'u' (unchanged, stored out of line).
          const unchanged = entry.table.columns
            .filter((c) => message.new[c.name] === undefined)
            .map((c) => c.name);
          if (unchanged.length > 0) next.unchanged = unchanged;
          if (previousKey) next.previousKey = previousKey;
        }
        txn.changes.push([entry.key, next]);
        return;
      }
      case 'truncate':
        for (const relation of message.relations) {
          const entry = byOid.get(relation.relationOid);
          if (entry && txn) txn.changes.push([entry.key, change('T', txn, null)]);
        }
        return;
      case 'commit': {
        if (!txn) return;
        for (const [key, c] of txn.changes) {
          const list = batch.changes.get(key) ?? [];
          list.push(c);
          batch.changes.set(key, list);
        }
        batch.count += txn.changes.length;
        batch.endLsn = lsnToBigInt(message.commitEndLsn ?? lsn);
        if (txn.changes.length > 0)
          batch.commitTimes.push(Number((message.commitTime as bigint) / 1000n));
        txn = null;
        if (batch.count >= task.settings.batchChanges) await flush();
        return;
      }
    }
  });
  service.on('heartbeat', async (_lsn: string, _ts: number, shouldRespond: boolean) => {
    if (shouldRespond && confirmed !== null)
      await service.acknowledge(acknowledgedLsn(confirmed)).catch(() => undefined);
  });

  let reject: (error: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, r) => (reject = r));
  failure.catch(() => undefined);
  const fail = (error: unknown) => reject(postgresError(error, source.name, source.settings));
  // Errors of the attempts to subscribe (a slot still held by a killed predecessor) are
  // handled there; only those of a started stream end the run.
  let streaming = false;
  service.on('error', (error: Error) => {
    if (streaming) fail(error);
  });
  const timer = setInterval(() => {
    void flush()
      .then(checkDropped)
      .catch((error: unknown) => fail(error));
  }, task.settings.batchSeconds * 1000);
  const stopped = new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await subscribeWhenFree(service, plugin, slot, ctx.signal, fail);
    streaming = true;
    await ctx.info(`replicating ${followed.size} table(s) from slot ${slot}`);
    await Promise.race([stopped, failure]);
  } finally {
    clearInterval(timer);
    await service.stop().catch(() => undefined);
    await chain.catch(() => undefined);
    await side.end().catch(() => undefined);
  }
}

/**
 * Starts streaming and resolves once the server has started it; a slot still held by a
 * killed predecessor (whose walsender has not noticed yet) is waited for, up to a minute.
 * Errors after the start go to `onError`.
 */
async function subscribeWhenFree(
  service: LogicalReplicationService,
  plugin: PgoutputPlugin,
  slot: string,
  signal: AbortSignal,
  onError: (error: unknown) => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const started = new Promise<void>((resolve) => service.once('start', () => resolve()));
    const streaming = service.subscribe(plugin, slot);
    try {
      await Promise.race([
        started,
        streaming.then(() => {
          throw new Error(`replication from slot ${slot} ended before it started`);
        }),
      ]);
      streaming.catch(onError);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== '55006' || attempt >= 60 || signal.aborted) throw error;
      await service.stop().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function change(
  op: Change['op'],
  txn: { lsn: bigint; commitTs: string; seq: number },
  values: Change['values'],
): Change {
  return { op, lsn: txn.lsn, seq: txn.seq++, commitTs: txn.commitTs, values };
}

function textValues(entry: Followed, row: Record<string, unknown>): RowText {
  const values: RowText = {};
  entry.table.columns.forEach((column, i) => {
    const raw = row[column.name];
    values[column.name] =
      raw === undefined ? null : replicationText(raw as string | null, entry.table.types[i]!);
  });
  return values;
}

/**
 * pg-logical-replication parses column values with pg's type parsers (timestamps become
 * millisecond Dates); CDC needs PostgreSQL's exact text, so its relation columns get an
 * identity parser. The parser is internal to the plugin: this is the one place touching it.
 */
function rawTextValues(plugin: PgoutputPlugin): void {
  const parser = (
    plugin as unknown as {
      parser: { readRelationColumn(reader: unknown): Record<string, unknown> };
    }
  ).parser;
  const original = parser.readRelationColumn.bind(parser);
  parser.readRelationColumn = (reader) => ({ ...original(reader), parser: (raw: unknown) => raw });
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isoMicros(micros: bigint): string {
  const ms = Number(micros / 1000n);
  const rest = Number(micros % 1000n)
    .toString()
    .padStart(3, '0');
  return `${new Date(ms).toISOString().slice(0, -1)}${rest}+00`;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export { LakeError };
