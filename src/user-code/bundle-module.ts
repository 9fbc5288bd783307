import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type * as Esbuild from 'esbuild';
import { LakeError } from '../errors/lake-error.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { UserModuleKind } from './user-module-kind.js';

/**
 * Bundles a TypeScript (or JavaScript) module and its imports into one ESM file with
 * esbuild and stores it in the `artifacts` zone, named by its content hash, so that any
 * worker loads exactly the code that was registered, and the same code is stored once.
 *
 * @example const key = await storeUserModule(store, TRANSFORMS, 'daily', './daily.ts');
 * @throws LakeError FILE_NOT_FOUND; the kind's `buildFailed` code with esbuild's first error and its place.
 */
export async function storeUserModule(
  store: ObjectStore,
  kind: UserModuleKind,
  name: string,
  modulePath: string,
): Promise<string> {
  return storeBundle(store, kind, name, await bundleModule(kind, modulePath));
}

/** Stores bundled code under its content hash (the store makes it visible only when whole). */
export async function storeBundle(
  store: ObjectStore,
  kind: UserModuleKind,
  name: string,
  code: string,
): Promise<string> {
  const key = bundleKey(kind, name, code);
  await store.put(key, code, { contentType: 'text/javascript' });
  return key;
}

/** Where bundled code is stored: named by its content hash, so one code is stored once. */
export function bundleKey(kind: UserModuleKind, name: string, code: string): string {
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  return `artifacts/${kind.folder}/${name}/${kind.entry}-${hash}.mjs`;
}

/**
 * Bundles a module and its imports into one ESM text with esbuild.
 *
 * @throws LakeError FILE_NOT_FOUND; the kind's `buildFailed` code with esbuild's first error and its place.
 */
export async function bundleModule(kind: UserModuleKind, modulePath: string): Promise<string> {
  const path = resolve(modulePath);
  if (!(await stat(path).catch(() => undefined))?.isFile())
    throw new LakeError('FILE_NOT_FOUND', `Module ${path} does not exist or is not a file.`);
  try {
    // Loaded on use: only registering user code needs the bundler.
    const { build } = (await import('esbuild')) as typeof Esbuild;
    const result = await build({
      entryPoints: [path],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      banner: {
        js: "import { createRequire as __lakeboxRequire } from 'node:module'; const require = __lakeboxRequire(import.meta.url);",
      },
    });
    return result.outputFiles[0]!.text;
  } catch (error) {
    const first = (
      error as {
        errors?: Array<{ text: string; location?: { file: string; line: number; column: number } }>;
      }
    ).errors?.[0];
    const where = first?.location
      ? ` (${first.location.file}:${first.location.line}:${first.location.column})`
      : '';
    throw new LakeError(
      kind.buildFailed,
      `Bundling ${modulePath} failed: ${first?.text ?? (error as Error).message}${where}.`,
      { cause: error },
    );
  }
}
