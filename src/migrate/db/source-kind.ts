import { validateIdentifier } from '../../catalog/identifier.js';
import { LakeError } from '../../errors/lake-error.js';
import type { ResourceKind } from '../../resources/resource-kind.js';
import type { SourceEngine } from './source.js';
import type { SourceSettings } from './source-settings.js';

/** A source endpoint as stored: settings with the password as its `${env:NAME}` reference. */
export interface SourceRecord {
  name: string;
  engine: SourceEngine;
  settings: SourceSettings;
  createdAt: Date;
  updatedAt: Date;
}

export type NewSource = Pick<SourceRecord, 'name' | 'engine' | 'settings'>;

/**
 * Sources as rows of `lb_migration_source`. The settings were checked by
 * `parseSourceSettings`, which accepts a password only as `${env:NAME}`: the row never
 * holds a secret, and its events carry only the name.
 */
export const SOURCE_KIND: ResourceKind<SourceRecord, NewSource> = {
  table: 'lb_migration_source',
  eventPrefix: 'source',
  normalizeName: (name) => (typeof name === 'string' ? name.toLowerCase() : ''),
  checkName: (name) => void validateIdentifier(name, 'source name'),
  encode: ({ engine, settings }) => ({ engine, settings: JSON.stringify(settings) }),
  decode: (row) => ({
    name: row['name'] as string,
    engine: row['engine'] as SourceEngine,
    settings: JSON.parse(row['settings'] as string) as SourceSettings,
    createdAt: new Date(Number(row['created_at'])),
    updatedAt: new Date(Number(row['updated_at'])),
  }),
  notFound: (name, { close }) =>
    new LakeError(
      'SOURCE_NOT_FOUND',
      `Source ${name} does not exist; ${close.length ? `did you mean ${close.join(', ')}?` : 'create it with lakebox source create.'}`,
    ),
  exists: (name) =>
    new LakeError(
      'SOURCE_EXISTS',
      `Source ${name} already exists; pick another name or delete it first.`,
    ),
};
