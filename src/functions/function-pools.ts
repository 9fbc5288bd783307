import { createHash, randomUUID } from 'node:crypto';
import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { LakeServices } from '../lake-services.js';
import type { RunExecutor } from '../runs/run-executor.js';
import { IsolatedPool } from '../user-code/isolated-pool.js';
import type { FunctionContextData } from './function-context.js';
import { FUNCTION_MODULE } from './function-module-kind.js';
import type { FunctionVersion } from './function-types.js';
import type { HostRunMethod } from './host-executor.js';

/**
 * One IsolatedPool per function version (and resolved environment), sized by the version's
 * concurrency: calls beyond it wait for a worker. Pools stay warm between invocations and
 * end with the lake (or after their workers have been idle a minute).
 */
export class FunctionPools {
  readonly #pools = new Map<string, Promise<IsolatedPool>>();

  constructor(
    private readonly services: LakeServices,
    /** The executor that performs runs a handler submits (the host's, all kinds registered). */
    private readonly hostExecutor: () => RunExecutor,
  ) {}

  /** The pool for `version` with `env` as its workers' environment. */
  pool(version: FunctionVersion, env: Record<string, string>): Promise<IsolatedPool> {
    const key = createHash('sha256')
      .update(JSON.stringify([version.function, version.version, version.artifactKey, env]))
      .digest('hex');
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = this.#open(version, env);
      this.#pools.set(key, pool);
      pool.catch(() => this.#pools.delete(key));
    }
    return pool;
  }

  /** A pool over a local bundle, without the SDK, to vet a module before it is stored. */
  static checking(modulePath: string, memoryMb: number): IsolatedPool {
    return new IsolatedPool({ modulePath, kind: FUNCTION_MODULE, memoryMb, size: 1, idleMs: 1 });
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map(async (pool) => (await pool.catch(() => undefined))?.close()));
  }

  async #open(version: FunctionVersion, env: Record<string, string>): Promise<IsolatedPool> {
    const data: FunctionContextData = {
      lakeDir: this.services.dir,
      lakeEnv: { ...process.env },
      functionName: version.function,
      version: version.version,
    };
    return new IsolatedPool({
      modulePath: await this.#localModule(version.artifactKey),
      kind: FUNCTION_MODULE,
      memoryMb: version.memoryMb,
      size: version.concurrency,
      env,
      context: { module: CONTEXT_MODULE, data },
      onRequest: (method, payload) => this.#answer(method as HostRunMethod, payload),
    });
  }

  #answer(method: HostRunMethod, payload: unknown): Promise<unknown> {
    const executor = this.hostExecutor();
    const ask = payload as { kind: string; options: object; runId: string };
    switch (method) {
      case 'run.submit':
        return executor.submit(ask.kind, ask.options);
      case 'run.wait':
        return executor.wait(ask.runId);
      case 'run.cancel':
        return executor.cancel(ask.runId);
    }
  }

  /** The bundle as a local `.mjs` file named by its key (its hash), copied in atomically. */
  async #localModule(key: string): Promise<string> {
    const local = join(
      await this.services.workDir('functions'),
      key.replace(/[^A-Za-z0-9_.-]/g, '_'),
    );
    if (await stat(local).catch(() => undefined)) return local;
    const source = await this.services.readCache.localPath(key);
    const partial = `${local}.${randomUUID()}.partial`;
    try {
      await copyFile(source, partial);
      await rename(partial, local);
    } finally {
      await rm(partial, { force: true });
    }
    return local;
  }
}

/**
 * The context module, beside this file: `.js` when built (tsc's output, or the CLI bundle,
 * which has it as an entry of its own) and `.ts` in the sources under test.
 */
const CONTEXT_MODULE = ((): string => {
  const built = new URL('./function-context.js', import.meta.url);
  return existsSync(fileURLToPath(built))
    ? built.href
    : new URL('./function-context.ts', import.meta.url).href;
})();
