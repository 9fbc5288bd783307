import type { MetaDialect } from './meta-dialect.js';

export type MetaDialectConfig =
  | { type: 'sqlite'; file: string; mustExist?: boolean }
  | { type: 'postgres'; url: string; poolSize?: number };

/** The dialect for a config, loading only that backend's driver (start-up time matters to the CLI). */
export async function dialectFor(config: MetaDialectConfig): Promise<MetaDialect> {
  if (config.type === 'sqlite')
    return (await import('./sqlite-dialect.js')).sqliteDialect(config.file, {
      mustExist: config.mustExist,
    });
  return (await import('./postgres-dialect.js')).postgresDialect(config.url, {
    poolSize: config.poolSize,
  });
}
