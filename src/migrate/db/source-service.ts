import type { LakeServices } from '../../lake-services.js';
import { RecordStore } from '../../resources/record-store.js';
import { openSource } from './open-source.js';
import type { ConnectionCheck, Source, SourceEngine } from './source.js';
import { SOURCE_KIND, type NewSource, type SourceRecord } from './source-kind.js';
import { parseSourceSettings } from './source-settings.js';

export interface SourceTestResult {
  source: string;
  ok: boolean;
  checks: ConnectionCheck[];
}

/**
 * Source endpoints (DMS's source endpoints): records in the metadata database that say how
 * to reach a PostgreSQL or SQLite database. Passwords are only ever `${env:NAME}`.
 *
 * @example
 * await lake.sources.create('shop', { engine: 'postgres', host: 'db', database: 'shop', user: 'lake', password: '${env:SHOP_PW}' });
 * const result = await lake.sources.test('shop', { cdc: true });
 */
export class SourceService {
  readonly #sources: RecordStore<SourceRecord, NewSource>;

  constructor(services: LakeServices) {
    this.#sources = new RecordStore(services.db, services.events, SOURCE_KIND);
  }

  /**
   * Creates a source.
   *
   * @throws LakeError SOURCE_EXISTS, INVALID_IDENTIFIER, INVALID_ARGUMENT (bad or literal
   *   password, bad field).
   */
  async create(
    name: string,
    settings: { engine: SourceEngine } & Record<string, unknown>,
  ): Promise<SourceRecord> {
    SOURCE_KIND.checkName?.(name);
    const { engine, ...rest } = settings;
    return this.#sources.create({ name, engine, settings: parseSourceSettings(engine, rest) });
  }

  /**
   * Changes a source's settings; fields not given keep their values (the engine stays).
   * Migration tasks read it at their next start.
   *
   * @example await lake.sources.update('shop', { host: 'replica.db' });
   * @throws LakeError SOURCE_NOT_FOUND, INVALID_ARGUMENT.
   */
  async update(name: string, changes: Record<string, unknown>): Promise<SourceRecord> {
    const current = await this.#sources.get(name);
    const { engine: _engine, ...kept } = current.settings;
    const settings = parseSourceSettings(current.engine, { ...kept, ...changes });
    return this.#sources.replace({ name: current.name, engine: current.engine, settings });
  }

  find(name: string): Promise<SourceRecord | undefined> {
    return this.#sources.find(name);
  }

  /** @throws LakeError SOURCE_NOT_FOUND, naming close matches. */
  get(name: string): Promise<SourceRecord> {
    return this.#sources.get(name);
  }

  /** Every source, by name. */
  list(): Promise<SourceRecord[]> {
    return this.#sources.list();
  }

  /** Deletes a source record. @throws LakeError SOURCE_NOT_FOUND */
  delete(name: string): Promise<void> {
    return this.#sources.delete(name);
  }

  /** Opens the source for reading (connections are made per operation). */
  async open(name: string): Promise<Source> {
    const record = await this.get(name);
    return openSource(record.name, record.settings);
  }

  /**
   * Checks reachability and credentials, and with `cdc` (the default for PostgreSQL) the
   * wal_level, replication permission and free replication slots; each failure is one line
   * naming the fix.
   */
  async test(name: string, options: { cdc?: boolean } = {}): Promise<SourceTestResult> {
    const source = await this.open(name);
    const checks = await source.testConnection({
      cdc: options.cdc ?? source.capabilities.supportsCdc,
    });
    return { source: name, ok: checks.every((c) => c.ok), checks };
  }
}
