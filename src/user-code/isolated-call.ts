import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { LakeError } from '../errors/lake-error.js';
import type { UserModuleKind } from './user-module-kind.js';

/** One call of a user module's entry in a worker thread of its own. */
export interface IsolatedCall {
  /** The module, a local `.mjs` file (see loadUserModule for how artifacts get there). */
  readonly modulePath: string;
  readonly kind: UserModuleKind;
  /** Arguments before the context, as JSON values (they are copied into the worker). */
  readonly args: readonly unknown[];
  readonly timeoutMs: number;
  /** The worker's heap limit. */
  readonly memoryMb: number;
  /** The worker's `process.env`: the host's is not shared unless passed. */
  readonly env?: Record<string, string | undefined>;
  /**
   * A module (URL) whose `createContext(data, { log })` builds the last argument inside the
   * worker (a feature's context: an SDK handle, a logger); its `close()` runs after the call.
   */
  readonly context?: { readonly module: string; readonly data: unknown };
  /** Lines the code logs, through the context's logger or to stdout and stderr. */
  onLog?(level: 'info' | 'warn' | 'error', message: string): void;
}

type WorkerMessage =
  | { type: 'result'; json?: string }
  | { type: 'threw'; message: string; stack?: string }
  | { type: 'invalid' }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

// Plain JavaScript, evaluated in the worker, so that it runs the same from the built package
// and from sources under test (where the context module is TypeScript, and tsx, a dev
// dependency, is registered first).
const WORKER_SOURCE = `
const { parentPort, workerData: d } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const post = (message) => parentPort.postMessage(message);
const describe = (error) => error instanceof Error
  ? { message: error.message || error.name, stack: error.stack }
  : { message: String(error) };
(async () => {
  if (d.typescript) (await import('tsx/esm/api')).register();
  const module = await import(pathToFileURL(d.modulePath).href);
  const entry = module[d.entry] ?? module.default;
  if (typeof entry !== 'function') return post({ type: 'invalid' });
  const log = (level, message) => post({ type: 'log', level, message: String(message) });
  const context = d.context
    ? await (await import(d.context.module)).createContext(d.context.data, { log })
    : {};
  let outcome;
  try {
    const value = await entry(...d.args, context);
    outcome = { type: 'result', json: value === undefined ? undefined : JSON.stringify(value) };
  } catch (error) {
    outcome = { type: 'threw', ...describe(error) };
  }
  // Closed before the outcome is posted: the host ends the worker when it has the outcome.
  await Promise.resolve(context.close?.()).catch((error) =>
    log('warn', 'closing the context failed: ' + describe(error).message));
  post(outcome);
})().catch((error) => post({ type: 'threw', ...describe(error) }));
`;

/**
 * Calls a user module's entry in a worker thread with a heap limit and a deadline, so
 * that nothing the code does takes the host down: a throw or a rejection fails the call,
 * an infinite loop or a call past its deadline is terminated, running out of memory ends
 * the worker only, and `process.exit` in a worker ends that worker. This isolates faults,
 * not trust: the code is the lake users' own (it gets the SDK), as in a TypeScript job.
 *
 * The result is the entry's return value through JSON (undefined stays undefined).
 *
 * @example const value = await callIsolated({ modulePath, kind: FUNCTION_MODULE, args: [event], timeoutMs: 3000, memoryMb: 128 });
 * @throws LakeError USER_CODE_FAILED (threw, exited, invalid result), USER_CODE_TIMEOUT,
 *   USER_CODE_OUT_OF_MEMORY, or the kind's `invalid` code when the entry is missing.
 */
export function callIsolated(call: IsolatedCall): Promise<unknown> {
  const what = call.kind.describe;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      modulePath: call.modulePath,
      entry: call.kind.entry,
      args: call.args,
      context: call.context,
      typescript: call.context?.module.endsWith('.ts') ?? false,
    },
    env: call.env ?? {},
    resourceLimits: { maxOldGenerationSizeMb: call.memoryMb },
    stdout: true,
    stderr: true,
  });
  forwardLines(worker.stdout, 'info', call.onLog);
  forwardLines(worker.stderr, 'warn', call.onLog);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      // Whatever the code left running (timers, sockets) ends with its worker.
      void worker.terminate();
    };
    const fail = (
      code: 'USER_CODE_FAILED' | 'USER_CODE_TIMEOUT' | 'USER_CODE_OUT_OF_MEMORY',
      message: string,
      details: Record<string, unknown> = {},
      cause?: unknown,
    ) =>
      settle(() => reject(new LakeError(code, message, { details, ...(cause ? { cause } : {}) })));
    const timer = setTimeout(
      () =>
        fail(
          'USER_CODE_TIMEOUT',
          `${what} did not finish within ${call.timeoutMs} ms and was stopped; make it faster or raise its timeout.`,
          { timeoutMs: call.timeoutMs },
        ),
      call.timeoutMs,
    );
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'log') return call.onLog?.(message.level, message.message);
      if (message.type === 'invalid')
        return settle(() =>
          reject(
            new LakeError(
              call.kind.invalid,
              `${what} exports no ${call.kind.entry}: ${call.kind.signature}.`,
            ),
          ),
        );
      if (message.type === 'threw')
        return fail('USER_CODE_FAILED', `${what} failed: ${message.message}`, {
          reason: 'threw',
          ...(message.stack ? { stack: message.stack } : {}),
        });
      settle(() => resolve(message.json === undefined ? undefined : JSON.parse(message.json)));
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY')
        return fail(
          'USER_CODE_OUT_OF_MEMORY',
          `${what} ran out of its ${call.memoryMb} MB of memory and was stopped; use less or raise its memory limit.`,
          { memoryMb: call.memoryMb },
        );
      // An uncaught exception or unhandled rejection after (or outside) the entry's promise.
      fail('USER_CODE_FAILED', `${what} failed: ${error.message}`, { reason: 'uncaught' }, error);
    });
    worker.on('exit', (exitCode) =>
      fail(
        'USER_CODE_FAILED',
        `${what} ended its worker (process.exit(${exitCode})) before returning; return a value or throw instead.`,
        { reason: 'exited', exitCode },
      ),
    );
  });
}

function forwardLines(
  stream: NodeJS.ReadableStream,
  level: 'info' | 'warn',
  onLog: IsolatedCall['onLog'],
): void {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => onLog?.(level, line));
}
