/**
 * The `context` of a function's handler, built inside its worker thread (the IsolatedPool's
 * context module): a Lake opened once per worker whose runs are performed by the host, a
 * logger whose lines go to the invocation's run log, the time left, the invocation id and
 * the function's environment.
 */
import { format } from 'node:util';
import type { Lake } from '../lake.js';
import { enterCause } from '../runs/run-cause.js';
import { HostExecutor, type HostRequest } from './host-executor.js';

export interface FunctionContextData {
  /** The host lake's directory and the environment it was opened with (overrides, secrets). */
  readonly lakeDir: string;
  readonly lakeEnv: Record<string, string | undefined>;
  readonly functionName: string;
  readonly version: number;
}

export interface FunctionLogger {
  info(...values: unknown[]): void;
  warn(...values: unknown[]): void;
  error(...values: unknown[]): void;
}

/** What a handler gets as its second argument. */
export interface FunctionContext {
  /** The lake SDK; runs it starts (`lake.jobs.start`) are queued for the host to run. */
  readonly lake: Lake;
  /** Lines go to the invocation's run log (`lakebox function logs NAME`). */
  readonly logger: FunctionLogger;
  /** The run id of this invocation. */
  readonly invocationId: string;
  readonly functionName: string;
  readonly version: number;
  /** The function's environment, `${env:NAME}` references resolved (also `process.env`). */
  readonly env: Readonly<Record<string, string>>;
  /** Milliseconds left before the invocation is stopped. */
  remainingTimeMs(): number;
}

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/** Called by the pool's worker once; `forCall` gives each invocation its context. */
export async function createContext(
  data: FunctionContextData,
  host: { log: Log; request: HostRequest },
): Promise<{ forCall(call: Record<string, unknown>): FunctionContext; close(): Promise<void> }> {
  const { Lake } = await import('../lake.js');
  const lake = await Lake.open(data.lakeDir, {
    env: data.lakeEnv,
    executor: new HostExecutor(host.request),
  });
  const logger: FunctionLogger = {
    info: (...values) => host.log('info', format(...values)),
    warn: (...values) => host.log('warn', format(...values)),
    error: (...values) => host.log('error', format(...values)),
  };
  const env = Object.freeze(
    Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    ),
  );
  return {
    forCall(call) {
      const deadline = Number(call['deadline']);
      // What the handler writes through `lake` is the invocation's doing: its events carry
      // the invocation's chain depth, so that a loop of triggers through it is stopped.
      enterCause({
        source: `run:${String(call['invocationId'])}`,
        chainDepth: Number(call['chainDepth'] ?? 0),
      });
      return {
        lake,
        logger,
        invocationId: String(call['invocationId']),
        functionName: data.functionName,
        version: data.version,
        env,
        remainingTimeMs: () => Math.max(0, deadline - Date.now()),
      };
    },
    close: () => lake.close(),
  };
}
