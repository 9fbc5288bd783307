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
  /**
   * Set for an instance whose SQL must not reach files or the network: only files under
   * these directories (the lake's own) can be read, and the configuration is locked so
   * that no statement can turn access back on.
   */
  sandbox?: { allowedDirectories: string[] };
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
    await engine.withConnection(async (c) => {
      if (options.tempDirectory)
        await c.run(`SET temp_directory = ${quoteLiteral(options.tempDirectory)}`);
      if (options.sandbox) {
        // The order matters: the allow-list cannot be set once access is off, and nothing
        // can be set once the configuration is locked.
        const dirs = options.sandbox.allowedDirectories.map((d) =>
          quoteLiteral(d.replace(/\/?$/, '/')),
        );
        await c.run(`SET allowed_directories = [${dirs.join(', ')}]`);
        await c.run('SET enable_external_access = false');
        await c.run('SET lock_configuration = true');
      }
    });
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
  const text = context ? `${context}: ${message}` : message;
  if (message.startsWith('Permission Error:')) {
    return new LakeError(
      'SQL_ACCESS_DENIED',
      `This query may read only the lake's tables, not files or the network (external access is off for it: engine.externalAccess in lakebox.json, or the caller's choice). ${text}`,
      { cause: error },
    );
  }
  return new LakeError('SQL_ERROR', text, { cause: error });
}
