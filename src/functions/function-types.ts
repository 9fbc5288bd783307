import type { Run } from '../runs/run.js';

/** How a version runs: its limits and its environment (values or `${env:NAME}` references). */
export interface FunctionSettings {
  /** An invocation still running after this long is stopped and fails USER_CODE_TIMEOUT. */
  readonly timeoutMs: number;
  /** Heap limit of each worker thread; past it the invocation fails USER_CODE_OUT_OF_MEMORY. */
  readonly memoryMb: number;
  /** Invocations of the version at once (its worker threads); more wait their turn. */
  readonly concurrency: number;
  /** As deployed: a secret stays a `${env:NAME}` reference, resolved at each invocation. */
  readonly env: Readonly<Record<string, string>>;
}

/** One deployed version: a bundle in the `artifacts` zone with its settings. */
export interface FunctionVersion extends FunctionSettings {
  readonly function: string;
  readonly version: number;
  readonly artifactKey: string;
  readonly createdAt: Date;
}

/** A function: its name and its latest version. */
export interface FunctionRecord {
  readonly name: string;
  readonly description: string | null;
  readonly latest: FunctionVersion;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface DeployOptions {
  readonly name: string;
  readonly timeoutMs?: number;
  readonly memoryMb?: number;
  readonly concurrency?: number;
  readonly env?: Record<string, string>;
  readonly description?: string;
}

export interface InvokeResult {
  readonly run: Run;
  /** What the handler returned, through JSON (undefined when it returned nothing). */
  readonly result: unknown;
}

/** An asynchronous invocation that failed all its attempts. */
export interface DeadLetter {
  readonly id: number;
  readonly function: string;
  readonly version: number;
  readonly event: unknown;
  readonly error: { code: string; message: string };
  readonly attempts: number;
  /** The last attempt's run. */
  readonly runId: string;
  readonly createdAt: Date;
  readonly replayedAt: Date | null;
  /** The run the replay queued. */
  readonly replayRunId: string | null;
}

export interface DeadLetterQuery {
  readonly function?: string;
  /** Include the letters already replayed (false unless told). */
  readonly replayed?: boolean;
  readonly limit?: number;
}
