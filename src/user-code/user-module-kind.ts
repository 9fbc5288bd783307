import type { ErrorCode } from '../errors/lake-error.js';

/**
 * What kind of user module a feature stores (a job's transform, a function's handler, a
 * pipeline definition): where its artifacts go, which export is its entry point, and the
 * codes and wording of its errors, so that each feature keeps its own stable error codes
 * over one implementation.
 */
export interface UserModuleKind {
  /** `transform`, `handler`: the export looked for (then `default`). */
  readonly entry: string;
  /** Folder under the `artifacts` zone: `jobs`, `functions`, `pipelines`. */
  readonly folder: string;
  /** The module in messages, where they begin: "The job's module". */
  readonly describe: string;
  /** The entry's shape, shown when it is missing: `export async function handler(event, context) { ... }`. */
  readonly signature: string;
  readonly buildFailed: ErrorCode;
  readonly invalid: ErrorCode;
}
