import type { UserModuleKind } from '../user-code/user-module-kind.js';

/** A function's module: its `handler` export, stored under `artifacts/functions/`. */
export const FUNCTION_MODULE: UserModuleKind = {
  entry: 'handler',
  folder: 'functions',
  describe: "The function's module",
  signature: 'export async function handler(event, context) { ... }',
  buildFailed: 'FUNCTION_BUILD_FAILED',
  invalid: 'FUNCTION_INVALID',
};
