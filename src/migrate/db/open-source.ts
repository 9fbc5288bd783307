import { PostgresSource } from './postgres/postgres-source.js';
import type { Source } from './source.js';
import type { SourceSettings } from './source-settings.js';
import { SqliteSource } from './sqlite/sqlite-source.js';

/** The Source of a stored source record. */
export function openSource(name: string, settings: SourceSettings): Source {
  switch (settings.engine) {
    case 'postgres':
      return new PostgresSource(name, settings);
    case 'sqlite':
      return new SqliteSource(name, settings);
  }
}
