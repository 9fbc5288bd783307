import type { UserModuleKind } from '../user-code/user-module-kind.js';

/** A TypeScript job's module: its `transform` export, stored under `artifacts/jobs/`. */
export const TRANSFORM_MODULE: UserModuleKind = {
  entry: 'transform',
  folder: 'jobs',
  describe: "The job's module",
  signature: 'export async function transform(inputs, ctx) { ... }',
  buildFailed: 'TRANSFORM_BUILD_FAILED',
  invalid: 'TRANSFORM_INVALID',
};
