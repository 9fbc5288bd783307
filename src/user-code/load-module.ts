import { copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LakeError } from '../errors/lake-error.js';
import type { UserModuleKind } from './user-module-kind.js';

/**
 * Loads a stored user module and returns its entry function: the artifact is copied to a
 * local `.mjs` file named by its key (which holds the code's hash), so that a module is
 * imported once per process and a new version is a new file.
 *
 * @example const transform = await loadUserModule<TransformFunction>(cache.localPath, workDir, TRANSFORMS, key);
 * @throws LakeError the kind's `invalid` code when the module exports no entry function.
 */
export async function loadUserModule<F>(
  localPath: (key: string) => Promise<string>,
  workDir: string,
  kind: UserModuleKind,
  key: string,
): Promise<F> {
  const source = await localPath(key);
  const local = join(workDir, key.replace(/[^A-Za-z0-9_.-]/g, '_'));
  if (!(await stat(local).catch(() => undefined))) await copyFile(source, local);
  return entryOf<F>(await import(pathToFileURL(local).href), kind);
}

/** The kind's entry export (or the default export) of an imported module. */
export function entryOf<F>(module: Record<string, unknown>, kind: UserModuleKind): F {
  const entry = module[kind.entry] ?? module['default'];
  if (typeof entry !== 'function')
    throw new LakeError(
      kind.invalid,
      `${kind.describe} exports no ${kind.entry}: ${kind.signature}.`,
    );
  return entry as F;
}
