import { validateIdentifier } from '../../catalog/identifier.js';
import { LakeError } from '../../errors/lake-error.js';
import type { LakeServices } from '../../lake-services.js';
import { openSource } from './open-source.js';
import type { ConnectionCheck, Source, SourceEngine } from './source.js';
import { parseSourceSettings, type SourceSettings } from './source-settings.js';

/** A source endpoint as stored: settings with the password as its `${env:NAME}` reference. */
export interface SourceRecord {
  name: string;
  engine: SourceEngine;
  settings: SourceSettings;
  createdAt: Date;
  updatedAt: Date;
}

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
  constructor(private readonly services: LakeServices) {}

  /**
   * Creates a source.
   *
   * @throws LakeError SOURCE_EXISTS, INVALID_ARGUMENT (bad or literal password, bad field).
   */
  async create(
    name: string,
    settings: { engine: SourceEngine } & Record<string, unknown>,
  ): Promise<SourceRecord> {
    const sourceName = validateIdentifier(name, 'source name');
    const { engine, ...rest } = settings;
    const parsed = parseSourceSettings(engine, rest);
    if (await this.find(sourceName))
      throw new LakeError(
        'SOURCE_EXISTS',
        `Source ${sourceName} already exists; pick another name or delete it first.`,
      );
    const now = Date.now();
    await this.services.db
      .insertInto('lb_migration_source')
      .values({
        name: sourceName,
        engine,
        settings: JSON.stringify(parsed),
        created_at: now,
        updated_at: now,
      })
      .execute();
    return this.get(sourceName);
  }

  async find(name: string): Promise<SourceRecord | undefined> {
    const row = await this.services.db
      .selectFrom('lb_migration_source')
      .selectAll()
      .where('name', '=', name.toLowerCase())
      .executeTakeFirst();
    return (
      row && {
        name: row.name,
        engine: row.engine as SourceEngine,
        settings: JSON.parse(row.settings) as SourceSettings,
        createdAt: new Date(Number(row.created_at)),
        updatedAt: new Date(Number(row.updated_at)),
      }
    );
  }

  /** @throws LakeError SOURCE_NOT_FOUND */
  async get(name: string): Promise<SourceRecord> {
    const source = await this.find(name);
    if (!source)
      throw new LakeError(
        'SOURCE_NOT_FOUND',
        `Source ${name} does not exist; create it with lakebox source create.`,
      );
    return source;
  }

  async list(): Promise<SourceRecord[]> {
    const rows = await this.services.db
      .selectFrom('lb_migration_source')
      .select('name')
      .orderBy('name')
      .execute();
    return Promise.all(rows.map((r) => this.get(r.name)));
  }

  /** Deletes a source record. @throws LakeError SOURCE_NOT_FOUND */
  async delete(name: string): Promise<void> {
    await this.get(name);
    await this.services.db
      .deleteFrom('lb_migration_source')
      .where('name', '=', name.toLowerCase())
      .execute();
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
