export type { MetaDb } from './meta-db.js';
export { openMetaDb } from './meta-db.js';
export type { MetaDialect } from './dialects/meta-dialect.js';
export { sqliteDialect } from './dialects/sqlite-dialect.js';
export { postgresDialect, redactUrl } from './dialects/postgres-dialect.js';
export type * from './schema.js';
