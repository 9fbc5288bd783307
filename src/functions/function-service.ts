import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LakeError } from '../errors/lake-error.js';
import type { LakeServices } from '../lake-services.js';
import { RecordStore } from '../resources/record-store.js';
import type { Run, RunLogEntry } from '../runs/run.js';
import type { RunExecutor } from '../runs/run-executor.js';
import { bundleModule, storeBundle } from '../user-code/bundle-module.js';
import { DeadLetters } from './dead-letters.js';
import { checkFunctionEnv } from './function-env.js';
import { FUNCTION_KIND, type FunctionInput, type FunctionRow } from './function-kind.js';
import { FUNCTION_MODULE } from './function-module-kind.js';
import { FunctionPools } from './function-pools.js';
import { runInvocation, type InvocationParameters } from './function-run.js';
import type {
  DeadLetter,
  DeadLetterQuery,
  DeployOptions,
  FunctionRecord,
  FunctionSettings,
  FunctionVersion,
  InvokeResult,
} from './function-types.js';
import { deleteVersions, FunctionVersions } from './function-versions.js';
import { InvocationResults } from './invocation-results.js';
import { collectLostInvocations } from './lost-invocations.js';

export interface FunctionServiceOptions {
  /** The executor that performs runs a handler submits through `context.lake`. */
  hostExecutor: () => RunExecutor;
}

const DEFAULTS = { timeoutMs: 30_000, memoryMb: 256, concurrency: 4 };
/** Attempts of an asynchronous invocation: the first and two retries, with backoff. */
const ASYNC_ATTEMPTS = 3;

/**
 * Functions (the Lambda part): a module exporting `handler(event, context)`, bundled with
 * esbuild and stored as a versioned, content-addressed artifact; each invocation a run of
 * kind `function` in a worker thread with the version's timeout, memory and concurrency.
 *
 * @example
 * await lake.functions.deploy('./start-transform.ts', { name: 'start-transform', timeoutMs: 10_000 });
 * const { result } = await lake.functions.invoke('start-transform', { key: 'raw/sales/day.csv' });
 */
export class FunctionService {
  readonly #services: LakeServices;
  readonly #records: RecordStore<FunctionRow, FunctionInput>;
  readonly #versions: FunctionVersions;
  readonly #results: InvocationResults;
  readonly #deadLetters: DeadLetters;
  readonly #pools: FunctionPools;

  constructor(services: LakeServices, options: FunctionServiceOptions) {
    this.#services = services;
    this.#records = new RecordStore(services.db, services.events, FUNCTION_KIND);
    this.#versions = new FunctionVersions(services.db, services.events);
    this.#results = new InvocationResults(services.db);
    this.#deadLetters = new DeadLetters(services.db);
    this.#pools = new FunctionPools(services, options.hostExecutor);
    services.executor.register('function', (ctx) =>
      runInvocation(
        {
          versions: this.#versions,
          pools: this.#pools,
          results: this.#results,
          deadLetters: this.#deadLetters,
        },
        ctx,
      ),
    );
  }

  /**
   * Bundles `file`, checks in a worker thread (never in this process) that it exports a
   * `handler`, stores the bundle in the `artifacts` zone under its content hash and records
   * a version. The same code with the same settings gives back the version it made before.
   *
   * @example const v = await lake.functions.deploy('./handler.ts', { name: 'on-upload', env: { TOKEN: '${env:API_TOKEN}' } });
   * @throws LakeError INVALID_IDENTIFIER, INVALID_ARGUMENT (a setting), FILE_NOT_FOUND,
   *   FUNCTION_BUILD_FAILED (esbuild's message and file:line), FUNCTION_INVALID (no handler).
   */
  async deploy(file: string, options: DeployOptions): Promise<FunctionVersion> {
    const name = FUNCTION_KIND.normalizeName!(String(options.name ?? ''));
    FUNCTION_KIND.checkName!(name);
    const settings = checkSettings(options);
    const code = await bundleModule(FUNCTION_MODULE, file);
    await this.#check(code, settings.memoryMb);
    const key = await storeBundle(this.#services.store, FUNCTION_MODULE, name, code);
    if (!(await this.#records.find(name))) {
      await this.#records
        .create({ name, description: options.description ?? null })
        .catch(async (error: unknown) => {
          // A racing first deploy made it: the version goes on that record.
          if (!(error instanceof LakeError && error.code === 'FUNCTION_EXISTS')) throw error;
        });
    } else if (options.description !== undefined) {
      await this.#records.update(name, { description: options.description });
    }
    return this.#versions.add(name, key, settings);
  }

  /** @throws LakeError FUNCTION_NOT_FOUND, naming close matches. */
  async get(name: string): Promise<FunctionRecord> {
    const row = await this.#records.get(name);
    return { ...row, latest: await this.#versions.get(row.name) };
  }

  /** Every function with its latest version, by name. */
  async list(): Promise<FunctionRecord[]> {
    const [rows, latest] = await Promise.all([this.#records.list(), this.#versions.latestOfAll()]);
    return rows.flatMap((row) => {
      const version = latest.get(row.name);
      return version ? [{ ...row, latest: version }] : [];
    });
  }

  /** The function's versions, newest first. @throws LakeError FUNCTION_NOT_FOUND */
  async versions(name: string): Promise<FunctionVersion[]> {
    return this.#versions.list((await this.#records.get(name)).name);
  }

  /** Deletes a function and its versions; its runs and dead letters stay on record. */
  async delete(name: string): Promise<void> {
    await this.#records.delete(name, deleteVersions);
  }

  /**
   * Invokes the function (its latest version unless told) and waits: resolves with the run
   * and what the handler returned.
   *
   * @example const { result } = await lake.functions.invoke('double', { n: 21 }); // 42
   * @throws LakeError FUNCTION_NOT_FOUND; the handler's failure (USER_CODE_FAILED,
   *   USER_CODE_TIMEOUT, USER_CODE_OUT_OF_MEMORY, INVALID_CONFIG for a missing variable).
   */
  async invoke(
    name: string,
    event: unknown,
    options: { version?: number } = {},
  ): Promise<InvokeResult> {
    const queued = await this.#submit(name, event, { version: options.version, async: false });
    const run = await this.#services.executor.wait(queued.id);
    if (run.status !== 'succeeded')
      throw new LakeError(
        (run.error?.code ?? 'INTERNAL') as LakeError['code'],
        run.error?.message ?? `Invocation ${run.id} ended ${run.status}.`,
        { details: { runId: run.id } },
      );
    return { run, result: await this.#results.get(run.id) };
  }

  /**
   * Queues an invocation and returns its run at once. A failure is retried twice with
   * backoff; after the third the event goes to the dead letters. Two calls with one
   * `idempotencyKey` give one run.
   *
   * @example const run = await lake.functions.invokeAsync('on-upload', event, { idempotencyKey: `trigger:t1:${eventId}` });
   * @throws LakeError FUNCTION_NOT_FOUND.
   */
  invokeAsync(
    name: string,
    event: unknown,
    options: { idempotencyKey?: string } = {},
  ): Promise<Run> {
    return this.#submit(name, event, { async: true, idempotencyKey: options.idempotencyKey });
  }

  /** The function's invocations, newest first. @throws LakeError FUNCTION_NOT_FOUND */
  async invocations(name: string, options: { limit?: number } = {}): Promise<Run[]> {
    const { name: stored } = await this.#records.get(name);
    return this.#services.runs.list({ kind: 'function', name: stored, limit: options.limit });
  }

  /** What an invocation returned (undefined when it returned nothing). */
  result(runId: string): Promise<unknown> {
    return this.#results.get(runId);
  }

  /**
   * An invocation's log lines: the run `runId`, or the function's latest invocation.
   *
   * @throws LakeError FUNCTION_NOT_FOUND, RUN_NOT_FOUND.
   */
  async logs(
    name: string,
    options: { runId?: string; after?: number } = {},
  ): Promise<RunLogEntry[]> {
    const runId = options.runId ?? (await this.invocations(name, { limit: 1 }))[0]?.id;
    if (runId === undefined) return [];
    return this.#services.runs.logs(runId, { after: options.after });
  }

  /** Asynchronous invocations that failed every attempt, oldest first (not replayed unless asked). */
  async deadLetters(options: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    await collectLostInvocations(this.#services.runs, this.#deadLetters);
    return this.#deadLetters.list(options);
  }

  /**
   * Queues a dead letter's event again as a new asynchronous invocation of the function's
   * latest version, and marks the letter replayed; `'all'` replays every letter not yet
   * replayed. Replaying a letter twice queues one run (its idempotency key).
   *
   * @throws LakeError DEAD_LETTER_NOT_FOUND; FUNCTION_NOT_FOUND when the function is gone.
   */
  async replay(id: number | 'all'): Promise<DeadLetter[]> {
    const letters = id === 'all' ? await this.deadLetters() : [await this.#deadLetters.get(id)];
    const replayed: DeadLetter[] = [];
    for (const letter of letters) {
      const run = await this.#submit(letter.function, letter.event, {
        async: true,
        idempotencyKey: `dead-letter:${letter.id}`,
      });
      replayed.push(await this.#deadLetters.markReplayed(letter.id, run.id));
    }
    return replayed;
  }

  /** Ends the functions' worker threads. */
  close(): Promise<void> {
    return this.#pools.close();
  }

  async #submit(
    name: string,
    event: unknown,
    options: { version?: number; async: boolean; idempotencyKey?: string },
  ): Promise<Run> {
    const record = await this.#records.get(name);
    const version = await this.#versions.get(record.name, options.version);
    const parameters: InvocationParameters = {
      function: record.name,
      version: version.version,
      event: event ?? null,
      async: options.async,
    };
    return this.#services.executor.submit('function', {
      name: record.name,
      parameters: parameters as unknown as Record<string, unknown>,
      maxAttempts: options.async ? ASYNC_ATTEMPTS : 1,
      idempotencyKey: options.idempotencyKey,
    });
  }

  /** Loads the bundle in a worker thread of its own and checks its `handler` export. */
  async #check(code: string, memoryMb: number): Promise<void> {
    const dir = await mkdtemp(join(await this.#services.workDir('functions'), 'check-'));
    const path = join(dir, 'handler.mjs');
    await writeFile(path, code);
    const pool = FunctionPools.checking(path, memoryMb);
    try {
      await pool.check(30_000);
    } catch (error) {
      if (error instanceof LakeError && error.code === 'USER_CODE_FAILED')
        throw new LakeError(
          'FUNCTION_INVALID',
          `The function's module fails to load: ${error.message.replace(/^The function's module failed: /, '')}`,
          { cause: error },
        );
      throw error;
    } finally {
      await pool.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function checkSettings(options: DeployOptions): FunctionSettings {
  const settings = {
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    memoryMb: options.memoryMb ?? DEFAULTS.memoryMb,
    concurrency: options.concurrency ?? DEFAULTS.concurrency,
  };
  const limits: Record<keyof typeof settings, [number, number, string]> = {
    timeoutMs: [1, 15 * 60_000, 'timeout (ms)'],
    memoryMb: [16, 65_536, 'memory (MB)'],
    concurrency: [1, 256, 'concurrency'],
  };
  for (const [key, [min, max, label]] of Object.entries(limits) as Array<
    [keyof typeof settings, [number, number, string]]
  >) {
    const value = settings[key];
    if (!Number.isInteger(value) || value < min || value > max)
      throw new LakeError(
        'INVALID_ARGUMENT',
        `The function's ${label} is ${value}; it must be a whole number from ${min} to ${max}.`,
      );
  }
  return { ...settings, env: checkFunctionEnv(options.env) };
}
