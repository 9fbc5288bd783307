import type { Kysely, Transaction } from 'kysely';
import { closeNames } from '../catalog/close-names.js';
import type { NewEvent } from '../events/event-catalogue.js';
import type { EventLog } from '../events/event-log.js';
import type { MetaSchema } from '../meta/schema.js';
import type { ResourceColumns, ResourceKind } from './resource-kind.js';

type ResourceRow = ResourceColumns & Record<string, unknown>;
/** The store addresses its kind's table by name; the kind's descriptor types the record. */
type AnyResourceDb = Kysely<Record<string, ResourceRow>>;
type AnyResourceTrx = Transaction<Record<string, ResourceRow>>;

/** Rows of another table that go with a resource and are deleted with it, in its transaction. */
export type DeleteDependents = (trx: Transaction<MetaSchema>, name: string) => Promise<void>;

/**
 * The one store of named resources: every kind (sync tasks, migration tasks, crawlers, jobs,
 * rulesets, ...) gets the same create, get, list, update and delete, the same close-name
 * suggestions in its not-found error, and an event in the transaction of each change.
 *
 * @example
 * const jobs = new RecordStore(db, events, JOB_KIND);
 * await jobs.create({ name: 'daily', kind: 'sql', target: 'curated.daily', ... });
 * await jobs.get('daly'); // JOB_NOT_FOUND: Job daly does not exist. Did you mean daily?
 */
export class RecordStore<R, Input extends { name: string }> {
  readonly #db: AnyResourceDb;
  readonly #events: EventLog;
  readonly #kind: ResourceKind<R, Input>;

  constructor(db: Kysely<MetaSchema>, events: EventLog, kind: ResourceKind<R, Input>) {
    this.#db = db as unknown as AnyResourceDb;
    this.#events = events;
    this.#kind = kind;
  }

  /** @throws LakeError the kind's exists error when the name is taken (also by a racing writer). */
  async create(input: Input): Promise<R> {
    const name = this.#name(input.name);
    this.#kind.checkName?.(name);
    if (await this.find(name)) throw this.#kind.exists(name);
    const now = Date.now();
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx
          .insertInto(this.#kind.table)
          .values({ ...this.#kind.encode(input), name, created_at: now, updated_at: now })
          .execute();
        await this.#emit(trx, 'created', name);
      });
    } catch (error) {
      // The unique name index refused it: another process created it between check and insert.
      if (await this.find(name)) throw this.#kind.exists(name);
      throw error;
    }
    return this.get(name);
  }

  /** Creates, or with `replace` replaces the record of that name. @throws the exists error. */
  async save(input: Input, replace: boolean): Promise<R> {
    if (!replace || !(await this.find(input.name))) return this.create(input);
    return this.replace(input);
  }

  /** Replaces every column of the kind of the record named `input.name`. @throws the not-found error. */
  replace(input: Input): Promise<R> {
    return this.update(input.name, this.#kind.encode(input));
  }

  /**
   * Sets some of the kind's columns (as `encode` names them) and `updated_at`.
   * @throws LakeError the kind's not-found error.
   */
  async update(name: string, columns: Record<string, unknown>): Promise<R> {
    const stored = this.#name(name);
    const updated = await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable(this.#kind.table)
        .set({ ...columns, updated_at: Date.now() })
        .where('name', '=', stored)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await this.#emit(trx, 'updated', stored);
      return true;
    });
    if (!updated) throw await this.#notFound(name);
    return this.get(stored);
  }

  async find(name: string): Promise<R | undefined> {
    const row = await this.#db
      .selectFrom(this.#kind.table)
      .selectAll()
      .where('name', '=', this.#name(name))
      .executeTakeFirst();
    return row && this.#kind.decode(row);
  }

  /** @throws LakeError the kind's not-found error, naming close matches. */
  async get(name: string): Promise<R> {
    const found = await this.find(name);
    if (found === undefined) throw await this.#notFound(name);
    return found;
  }

  /** Every record of the kind, by name. */
  async list(): Promise<R[]> {
    const rows = await this.#db.selectFrom(this.#kind.table).selectAll().orderBy('name').execute();
    return rows.map((row) => this.#kind.decode(row));
  }

  /** @throws LakeError the kind's not-found error. */
  async delete(name: string, dependents?: DeleteDependents): Promise<void> {
    const stored = this.#name(name);
    const deleted = await this.#db.transaction().execute(async (trx) => {
      await dependents?.(trx as unknown as Transaction<MetaSchema>, stored);
      const result = await trx
        .deleteFrom(this.#kind.table)
        .where('name', '=', stored)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) return false;
      await this.#emit(trx, 'deleted', stored);
      return true;
    });
    if (!deleted) throw await this.#notFound(name);
  }

  #name(name: string): string {
    return this.#kind.normalizeName ? this.#kind.normalizeName(name) : name;
  }

  async #notFound(name: string) {
    const names = (
      await this.#db.selectFrom(this.#kind.table).select('name').orderBy('name').execute()
    ).map((row) => row.name);
    return this.#kind.notFound(name, {
      close: closeNames(this.#name(name), names),
      existing: names,
    });
  }

  /** Appended last in the change's transaction: the record and its event commit together. */
  async #emit(trx: AnyResourceTrx, change: 'created' | 'updated' | 'deleted', name: string) {
    // Every resource event has the payload { name }; TypeScript stops matching a template
    // type against the catalogue's union past 25 members, so the shape is stated.
    const event = {
      type: `${this.#kind.eventPrefix}.${change}`,
      subject: name,
      payload: { name },
    } as NewEvent;
    await this.#events.append(event, trx as unknown as Transaction<MetaSchema>);
  }
}
