import type { Kysely, Selectable } from 'kysely';
import type { EventLog, NewEvent } from '../../events/event-log.js';
import type { MetaSchema } from '../../meta/schema.js';
import type { SyncFileRow, SyncReportRow } from '../../meta/schema-sync.js';
import type { SyncOutcome } from './sync-types.js';

/** What is known of a file from its last transfer between a pair of locations. */
export interface FileState {
  sourceSize: number;
  sourceMtime: number;
  destinationVersion: string;
}

/** A state as it is recorded: with the source's checksum, when one was taken. */
export interface RecordedState extends FileState {
  checksum: string | null;
}

const FLUSH_ITEMS = 1000;
const FLUSH_MS = 1000;
const ROWS_PER_INSERT = 400;

/**
 * Loads the pair's file states in one query: the comparison then costs no database round
 * trip per file. Not their checksums, which are kept as a record and never compared: a
 * third of the query's time was reading them.
 */
export async function loadFileStates(
  db: Kysely<MetaSchema>,
  pairKey: string,
): Promise<Map<string, FileState>> {
  const rows = await db
    .selectFrom('lb_sync_file')
    .select(['path', 'source_size', 'source_mtime', 'destination_version'])
    .where('pair_key', '=', pairKey)
    .execute();
  return new Map(
    rows.map((row) => [
      row.path,
      {
        sourceSize: Number(row.source_size),
        sourceMtime: Number(row.source_mtime),
        destinationVersion: row.destination_version,
      },
    ]),
  );
}

/**
 * Collects an execution's per-file writes (file states, report lines, `object.created`
 * events) and writes them in batches, one transaction each: the cost of the metadata database
 * stays a small fraction of the transfers. A crash loses at most the last batch, which only
 * makes the next run check (or move) those files again.
 */
export class SyncJournal {
  #states: Array<Selectable<SyncFileRow>> = [];
  #forget: string[] = [];
  #report: SyncReportRow[] = [];
  #events: NewEvent[] = [];
  #seq = 0;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;
  #lastFlush = Date.now();
  /** A flush due FLUSH_MS after the last, when nothing new arrives to trigger it. */
  #due: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<MetaSchema>,
    private readonly log: EventLog,
    private readonly runId: string,
    private readonly pairKey: string,
  ) {}

  recordState(path: string, state: RecordedState): void {
    this.#states.push({
      pair_key: this.pairKey,
      path,
      source_size: state.sourceSize,
      source_mtime: state.sourceMtime,
      destination_version: state.destinationVersion,
      checksum: state.checksum,
      synced_at: Date.now(),
    });
    this.#maybeFlush();
  }

  forgetState(path: string): void {
    // A state still pending would be written after the delete of the same batch.
    this.#states = this.#states.filter((state) => state.path !== path);
    this.#forget.push(path);
    this.#maybeFlush();
  }

  report(
    path: string,
    outcome: SyncOutcome,
    bytes: number,
    code: string | null = null,
    message: string | null = null,
  ): void {
    this.#report.push({
      run_id: this.runId,
      seq: ++this.#seq,
      path,
      outcome,
      bytes,
      code,
      message: message?.slice(0, 2000) ?? null,
    });
    this.#maybeFlush();
  }

  objectCreated(key: string, size: number, etag: string): void {
    this.#events.push({
      type: 'object.created',
      subject: key,
      payload: { key, size, etag },
    });
    this.#maybeFlush();
  }

  objectRemoved(key: string): void {
    this.#events.push({
      type: 'object.removed',
      subject: key,
      payload: { key },
    });
    this.#maybeFlush();
  }

  /** Writes everything pending; rethrows the first failure of any batch. */
  async flush(): Promise<void> {
    this.#enqueue();
    await this.#chain;
    if (this.#failure) throw this.#failure;
  }

  #maybeFlush(): void {
    const pending =
      this.#states.length + this.#forget.length + this.#report.length + this.#events.length;
    const sinceFlush = Date.now() - this.#lastFlush;
    if (pending >= FLUSH_ITEMS || sinceFlush >= FLUSH_MS) this.#enqueue();
    else {
      // Otherwise files copied just before one long transfer (or a stall) would wait for the
      // next file to be journaled, and a worker lost meanwhile would make the next attempt
      // copy them all again.
      this.#due ??= setTimeout(() => this.#enqueue(), FLUSH_MS - sinceFlush);
      this.#due.unref();
    }
  }

  #enqueue(): void {
    clearTimeout(this.#due);
    this.#due = undefined;
    this.#lastFlush = Date.now();
    const states = this.#states;
    const forget = this.#forget;
    const report = this.#report;
    const events = this.#events;
    if (states.length + forget.length + report.length + events.length === 0) return;
    this.#states = [];
    this.#forget = [];
    this.#report = [];
    this.#events = [];
    this.#chain = this.#chain
      .then(() => this.#write(dedupe(states), forget, report, events))
      .catch((error: unknown) => {
        this.#failure ??= error;
      });
  }

  async #write(
    states: Array<Selectable<SyncFileRow>>,
    forget: string[],
    report: SyncReportRow[],
    events: NewEvent[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < forget.length; i += ROWS_PER_INSERT) {
        await trx
          .deleteFrom('lb_sync_file')
          .where('pair_key', '=', this.pairKey)
          .where('path', 'in', forget.slice(i, i + ROWS_PER_INSERT))
          .execute();
      }
      for (let i = 0; i < states.length; i += ROWS_PER_INSERT) {
        await trx
          .insertInto('lb_sync_file')
          .values(states.slice(i, i + ROWS_PER_INSERT))
          .onConflict((oc) =>
            oc.columns(['pair_key', 'path']).doUpdateSet((eb) => ({
              source_size: eb.ref('excluded.source_size'),
              source_mtime: eb.ref('excluded.source_mtime'),
              destination_version: eb.ref('excluded.destination_version'),
              checksum: eb.ref('excluded.checksum'),
              synced_at: eb.ref('excluded.synced_at'),
            })),
          )
          .execute();
      }
      for (let i = 0; i < report.length; i += ROWS_PER_INSERT) {
        await trx
          .insertInto('lb_sync_report')
          .values(report.slice(i, i + ROWS_PER_INSERT))
          .execute();
      }
      await this.log.appendMany(events, trx);
    });
  }
}

/** One row per path (the last), since one INSERT may not update a row twice on PostgreSQL. */
function dedupe(states: Array<Selectable<SyncFileRow>>): Array<Selectable<SyncFileRow>> {
  return [...new Map(states.map((s) => [s.path, s])).values()];
}
