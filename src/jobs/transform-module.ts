import { createHash } from 'node:crypto';
import { copyFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Esbuild from 'esbuild';
import { LakeError } from '../errors/lake-error.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { TransformFunction } from './transform-api.js';

/**
 * Bundles a TypeScript (or JavaScript) module and its imports into one ESM file with
 * esbuild and stores it in the `artifacts` zone, named by its content hash, so any worker
 * loads exactly the code that was registered.
 *
 * @throws LakeError FILE_NOT_FOUND, TRANSFORM_BUILD_FAILED with esbuild's first error and its place.
 */
export async function storeTransformModule(
  store: ObjectStore,
  jobName: string,
  modulePath: string,
): Promise<string> {
  const path = resolve(modulePath);
  if (!(await stat(path).catch(() => undefined))?.isFile())
    throw new LakeError('FILE_NOT_FOUND', `Module ${path} does not exist or is not a file.`);
  let code: string;
  try {
    // Loaded on use: only creating a TypeScript job needs the bundler.
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
    code = result.outputFiles[0]!.text;
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
      'TRANSFORM_BUILD_FAILED',
      `Bundling ${modulePath} failed: ${first?.text ?? (error as Error).message}${where}.`,
      { cause: error },
    );
  }
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const key = `artifacts/jobs/${jobName}/transform-${hash}.mjs`;
  await store.put(key, code, { contentType: 'text/javascript' });
  return key;
}

/**
 * Loads a stored transform: the artifact is copied to a local `.mjs` file named by its key's
 * hash (so a module is imported once per process) and its `transform` export returned.
 *
 * @throws LakeError TRANSFORM_INVALID when the module exports no `transform` function.
 */
export async function loadTransformModule(
  localPath: (key: string) => Promise<string>,
  workDir: string,
  key: string,
): Promise<TransformFunction> {
  const source = await localPath(key);
  const local = join(workDir, `${key.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  if (!(await stat(local).catch(() => undefined))) await copyFile(source, local);
  const module = (await import(pathToFileURL(local).href)) as {
    transform?: unknown;
    default?: unknown;
  };
  const transform = module.transform ?? module.default;
  if (typeof transform !== 'function') {
    throw new LakeError(
      'TRANSFORM_INVALID',
      `The job's module exports no transform: export async function transform(inputs, ctx) { ... }.`,
    );
  }
  return transform as TransformFunction;
}
