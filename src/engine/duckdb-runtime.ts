/**
 * DuckDB's classes, in a module of their own so that callers load DuckDB on first use with
 * `await import('./duckdb-runtime.js')`: most commands never query, and loading DuckDB costs
 * tens of milliseconds. Importing `@duckdb/node-api` dynamically itself would do under Node,
 * but not from the CLI bundle, where a dynamically imported CommonJS package has no named
 * exports.
 */
export { DuckDBInstance } from '@duckdb/node-api';
