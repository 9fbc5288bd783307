import { AsyncResource } from 'node:async_hooks';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { LakeError } from '../errors/lake-error.js';
import type { UserModuleKind } from './user-module-kind.js';

/** One user module, run in worker threads of its own. */
export interface IsolatedPoolOptions {
  /** The module, a local `.mjs` file (see loadUserModule for how artifacts get there). */
  readonly modulePath: string;
  readonly kind: UserModuleKind;
  /** Each worker's heap limit. */
  readonly memoryMb: number;
  /** At most this many calls at once; more wait their turn. 1 unless told. */
  readonly size?: number;
  /** A worker idle this long ends (its context closed). 60 s unless told. */
  readonly idleMs?: number;
  /** The workers' `process.env`: the host's is not shared unless passed. */
  readonly env?: Record<string, string | undefined>;
  /**
   * A module (URL) whose `createContext(data, { log })` runs once per worker and returns
   * `{ forCall(callData), close() }`: `forCall` gives each call's last argument (a
   * feature's context: an SDK handle opened once per worker, a logger, the deadline).
   */
  readonly context?: { readonly module: string; readonly data: unknown };
  /**
   * Answers the context's `request(method, payload)` in the host, so that work a call starts
   * (a run submitted through the SDK) belongs to the host and outlives the worker. A rejection
   * reaches the worker as `{ code, message, details }`.
   */
  onRequest?(method: string, payload: unknown): Promise<unknown>;
}

export interface IsolatedCall {
  /** Arguments before the context, as JSON values (they are copied into the worker). */
  readonly args: readonly unknown[];
  readonly timeoutMs: number;
  /** Handed to the context module's `forCall` with `deadline` (epoch ms) added. */
  readonly callData?: Record<string, unknown>;
  /** Load the module and check its entry, without calling it (see `check`). */
  readonly check?: boolean;
  /** Lines the call logs, through the context's logger or to stdout and stderr. */
  onLog?(level: LogLevel, message: string): void;
}

type LogLevel = 'info' | 'warn' | 'error';

type WorkerMessage =
  | { type: 'result'; json?: string }
  | { type: 'loaded' }
  | { type: 'request'; id: number; method: string; payload: unknown }
  | { type: 'threw'; message: string; stack?: string }
  | { type: 'invalid' }
  | { type: 'log'; level: LogLevel; message: string };

interface Pending {
  readonly call: IsolatedCall;
  resolve(value: unknown): void;
  reject(error: LakeError): void;
  /** The async context of the `call`: its requests are answered in it. */
  readonly scope: AsyncResource;
}

interface PoolWorker {
  readonly worker: Worker;
  current?: Pending;
  timer?: NodeJS.Timeout;
  idle?: NodeJS.Timeout;
}

// Plain JavaScript, evaluated in the worker, so that it runs the same from the built package
// and from sources under test (where the context module is TypeScript, and tsx, a dev
// dependency, is registered first). The module and its context load on the first call and
// serve every later one: a warm worker starts a call in a message's time.
const WORKER_SOURCE = `
const { parentPort, workerData: d } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const post = (message) => parentPort.postMessage(message);
const describe = (error) => error instanceof Error
  ? { message: error.message || error.name, stack: error.stack }
  : { message: String(error) };
const log = (level, message) => post({ type: 'log', level, message: String(message) });
const requests = new Map();
let requestId = 0;
const request = (method, payload) => new Promise((resolve, reject) => {
  requests.set(++requestId, { resolve, reject });
  post({ type: 'request', id: requestId, method, payload });
});
let loading;
const load = async () => {
  if (d.typescript) (await import('tsx/esm/api')).register();
  const module = await import(pathToFileURL(d.modulePath).href);
  const entry = module[d.entry] ?? module.default;
  const context = d.context
    ? await (await import(d.context.module)).createContext(d.context.data, { log, request })
    : { forCall: () => ({}) };
  return { entry, context };
};
parentPort.on('message', async (message) => {
  if (message.type === 'response') {
    const waiting = requests.get(message.id);
    requests.delete(message.id);
    return 'error' in message ? waiting?.reject(message.error) : waiting?.resolve(message.value);
  }
  if (message.type === 'check') {
    // Only the module: its export is checked without building a context or calling it.
    try {
      const module = await import(pathToFileURL(d.modulePath).href);
      return post(typeof (module[d.entry] ?? module.default) === 'function' ? { type: 'loaded' } : { type: 'invalid' });
    } catch (error) {
      return post({ type: 'threw', ...describe(error) });
    }
  }
  if (message.type === 'close') {
    const loaded = await loading?.catch(() => undefined);
    await Promise.resolve(loaded?.context.close?.()).catch(() => undefined);
    return process.exit(0);
  }
  try {
    const { entry, context } = await (loading ??= load());
    if (typeof entry !== 'function') return post({ type: 'invalid' });
    const value = await entry(...message.args, context.forCall(message.callData));
    post({ type: 'result', json: value === undefined ? undefined : JSON.stringify(value) });
  } catch (error) {
    post({ type: 'threw', ...describe(error) });
  }
});
`;

/**
 * Calls a user module's entry in worker threads with a heap limit and a deadline per call,
 * so that nothing the code does takes the host down: a throw or a rejection fails the
 * call, an infinite loop or a call past its deadline ends its worker, running out of
 * memory ends the worker only, and `process.exit` ends that worker. A worker ended this way
 * is replaced on the next call; one whose call returned or threw stays warm for the next.
 * This isolates faults, not trust: the code is the lake users' own (it gets the SDK).
 *
 * Results are the entry's return value through JSON (undefined stays undefined).
 *
 * @example
 * const pool = new IsolatedPool({ modulePath, kind: FUNCTION_MODULE, memoryMb: 128, size: 4 });
 * const value = await pool.call({ args: [event], timeoutMs: 3000 });
 */
export class IsolatedPool {
  readonly #options: IsolatedPoolOptions;
  readonly #workers = new Set<PoolWorker>();
  readonly #waiting: Pending[] = [];
  #closed = false;

  constructor(options: IsolatedPoolOptions) {
    this.#options = options;
  }

  /**
   * @throws LakeError USER_CODE_FAILED (threw, exited, uncaught), USER_CODE_TIMEOUT,
   *   USER_CODE_OUT_OF_MEMORY, or the kind's `invalid` code when the entry is missing.
   */
  call(call: IsolatedCall): Promise<unknown> {
    if (this.#closed)
      return Promise.reject(new LakeError('EXECUTOR_CLOSED', 'The pool is closed.'));
    return new Promise((resolve, reject) => {
      // Requests the call makes are answered in the caller's async context (its run).
      this.#waiting.push({ call, resolve, reject, scope: new AsyncResource('IsolatedCall') });
      this.#dispatch();
    });
  }

  /**
   * Loads the module in a worker of its own, without calling it, and resolves when its entry
   * is a function: how a module is vetted before it is stored, never imported by the host.
   *
   * @throws LakeError the kind's `invalid` code; USER_CODE_FAILED when loading it throws.
   */
  check(timeoutMs: number): Promise<void> {
    return this.call({ args: [], timeoutMs, check: true }).then(() => undefined);
  }

  /** Ends every worker (closing their contexts); calls still waiting fail. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#waiting.splice(0))
      pending.reject(new LakeError('EXECUTOR_CLOSED', 'The pool was closed before the call ran.'));
    await Promise.all([...this.#workers].map((w) => this.#retire(w)));
  }

  #dispatch(): void {
    while (this.#waiting.length > 0) {
      const free = [...this.#workers].find((w) => !w.current) ?? this.#spawn();
      if (!free) return;
      const pending = this.#waiting.shift()!;
      clearTimeout(free.idle);
      free.current = pending;
      const { timeoutMs, callData, args } = pending.call;
      free.timer = setTimeout(
        () =>
          this.#fail(
            free,
            new LakeError(
              'USER_CODE_TIMEOUT',
              `${this.#options.kind.describe} did not finish within ${timeoutMs} ms and was stopped; make it faster or raise its timeout.`,
              { details: { timeoutMs } },
            ),
          ),
        timeoutMs,
      );
      free.worker.postMessage({
        type: pending.call.check ? 'check' : 'call',
        args,
        callData: { ...callData, deadline: Date.now() + timeoutMs },
      });
    }
  }

  #spawn(): PoolWorker | undefined {
    if (this.#workers.size >= (this.#options.size ?? 1)) return undefined;
    const { modulePath, kind, context, memoryMb } = this.#options;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        modulePath,
        entry: kind.entry,
        context,
        typescript: context?.module.endsWith('.ts') ?? false,
      },
      env: this.#options.env ?? {},
      resourceLimits: { maxOldGenerationSizeMb: memoryMb },
      stdout: true,
      stderr: true,
    });
    const entry: PoolWorker = { worker };
    this.#workers.add(entry);
    const log = (level: LogLevel, message: string) => entry.current?.call.onLog?.(level, message);
    forwardLines(worker.stdout, 'info', log);
    forwardLines(worker.stderr, 'warn', log);
    worker.on('message', (message: WorkerMessage) => this.#onMessage(entry, message));
    worker.on('error', (error: Error & { code?: string }) =>
      this.#fail(
        entry,
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new LakeError(
              'USER_CODE_OUT_OF_MEMORY',
              `${kind.describe} ran out of its ${memoryMb} MB of memory and was stopped; use less or raise its memory limit.`,
              { details: { memoryMb } },
            )
          : // An uncaught exception or unhandled rejection outside the entry's promise.
            new LakeError('USER_CODE_FAILED', `${kind.describe} failed: ${error.message}`, {
              details: { reason: 'uncaught' },
              cause: error,
            }),
      ),
    );
    worker.on('exit', (exitCode) =>
      this.#fail(
        entry,
        new LakeError(
          'USER_CODE_FAILED',
          `${kind.describe} ended its worker (process.exit(${exitCode})) before returning; return a value or throw instead.`,
          { details: { reason: 'exited', exitCode } },
        ),
      ),
    );
    return entry;
  }

  #onMessage(entry: PoolWorker, message: WorkerMessage): void {
    const { kind } = this.#options;
    if (message.type === 'log') return entry.current?.call.onLog?.(message.level, message.message);
    if (message.type === 'request') return this.#answer(entry, message);
    const pending = this.#release(entry);
    if (message.type === 'invalid')
      pending?.reject(
        new LakeError(
          kind.invalid,
          `${kind.describe} exports no ${kind.entry}: ${kind.signature}.`,
        ),
      );
    else if (message.type === 'threw')
      pending?.reject(
        new LakeError('USER_CODE_FAILED', `${kind.describe} failed: ${message.message}`, {
          details: { reason: 'threw', ...(message.stack ? { stack: message.stack } : {}) },
        }),
      );
    else if (message.type === 'loaded') pending?.resolve(undefined);
    else pending?.resolve(message.json === undefined ? undefined : JSON.parse(message.json));
    // A call that returned or threw leaves its worker sound: it stays warm for the next.
    entry.idle = setTimeout(() => void this.#retire(entry), this.#options.idleMs ?? 60_000);
    entry.idle.unref();
    this.#dispatch();
  }

  #answer(entry: PoolWorker, message: { id: number; method: string; payload: unknown }): void {
    const { onRequest } = this.#options;
    const reply = (answer: { value: unknown } | { error: unknown }) => {
      // A worker ended meanwhile (its call timed out) gets no answer; the work it asked for goes on.
      if (this.#workers.has(entry))
        entry.worker.postMessage({ type: 'response', id: message.id, ...answer });
    };
    const ask = () => onRequest!(message.method, message.payload);
    (onRequest
      ? (entry.current?.scope.runInAsyncScope(ask) ?? ask())
      : Promise.reject(new LakeError('INVALID_ARGUMENT', `The host answers no ${message.method}.`))
    ).then(
      (value) => reply({ value }),
      (error: unknown) =>
        reply({
          error:
            error instanceof LakeError
              ? {
                  code: error.code,
                  message: error.message,
                  details: error.details,
                  transient: error.transient,
                }
              : {
                  code: 'INTERNAL',
                  message: error instanceof Error ? error.message : String(error),
                },
        }),
    );
  }

  /** Fails the worker's call and ends the worker (stopped, out of memory, exited, crashed). */
  #fail(entry: PoolWorker, error: LakeError): void {
    this.#release(entry)?.reject(error);
    if (this.#workers.delete(entry)) void entry.worker.terminate();
    this.#dispatch();
  }

  #release(entry: PoolWorker): Pending | undefined {
    const pending = entry.current;
    entry.current = undefined;
    clearTimeout(entry.timer);
    return pending;
  }

  async #retire(entry: PoolWorker): Promise<void> {
    if (!this.#workers.delete(entry)) return;
    clearTimeout(entry.idle);
    const exited = new Promise((resolve) => entry.worker.once('exit', resolve));
    entry.worker.postMessage({ type: 'close' });
    // A context that does not close in time is not waited for.
    const deadline = setTimeout(() => void entry.worker.terminate(), 5_000);
    await exited;
    clearTimeout(deadline);
  }
}

function forwardLines(
  stream: NodeJS.ReadableStream,
  level: LogLevel,
  log: (level: LogLevel, message: string) => void,
): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => log(level, line));
}
