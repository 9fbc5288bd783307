import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { LakeError } from '../errors/lake-error.js';
import { quoteLiteral } from '../catalog/identifier.js';

export interface EngineOptions {
  /** DuckDB worker threads; DuckDB's default is one per core. */
  threads?: number;
  /** e.g. `4GB`; DuckDB's default is 80% of memory. */
  memoryLimit?: string;
  /** Where DuckDB spills when a query outgrows memory. */
  tempDirectory?: string;
}

/**
 * The process's one in-memory DuckDB instance and a pool of its connections. This folder is
 * the only place that imports `@duckdb/node-api`; the rest of Lakebox sees the engine's API.
 */
export class DuckEngine {
  private readonly idle: DuckDBConnection[] = [];

  private constructor(private readonly instance: DuckDBInstance) {}

  static async create(options: EngineOptions = {}): Promise<DuckEngine> {
    const config: Record<string, string> = {};
    if (options.threads) config['threads'] = String(options.threads);
    if (options.memoryLimit) config['memory_limit'] = options.memoryLimit;
    const { DuckDBInstance } = await import('./duckdb-runtime.js');
    const instance = await DuckDBInstance.create(':memory:', config);
    const engine = new DuckEngine(instance);
    if (options.tempDirectory) {
      await engine.withConnection((c) =>
        c.run(`SET temp_directory = ${quoteLiteral(options.tempDirectory!)}`),
      );
    }
    return engine;
  }

  /** Lends a connection for the duration of `fn`; connections are reused across calls. */
  async withConnection<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = this.idle.pop() ?? (await this.instance.connect());
    let healthy = true;
    try {
      return await fn(connection);
    } catch (error) {
      healthy = false;
      throw error;
    } finally {
      // A connection whose statement failed may hold session state (USE, temp objects) that
      // a later borrower must not inherit: close it rather than return it.
      if (healthy && this.idle.length < 8) this.idle.push(connection);
      else connection.closeSync();
    }
  }

  close(): void {
    for (const connection of this.idle.splice(0)) connection.closeSync();
    this.instance.closeSync();
  }
}

/** DuckDB's error as a LakeError, keeping its text (which carries the line and caret). */
export function sqlError(error: unknown, context?: string): LakeError {
  if (error instanceof LakeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LakeError('SQL_ERROR', context ? `${context}: ${message}` : message, { cause: error });
}
