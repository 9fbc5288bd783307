import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LakeError } from '../errors/lake-error.js';
import { formatOf, type FileFormat } from './write-source.js';

/**
 * Checks local files to load before any work (or run) starts: at least one, each a regular
 * file, all of one format. Returns their absolute paths and that format.
 *
 * @throws LakeError INVALID_ARGUMENT, FILE_NOT_FOUND, UNSUPPORTED_FORMAT.
 */
export async function checkLocalFiles(
  files: string[],
  format?: FileFormat,
): Promise<{ paths: string[]; format: FileFormat }> {
  if (files.length === 0)
    throw new LakeError('INVALID_ARGUMENT', 'No files to load: name at least one file.');
  const paths = files.map((file) => resolve(file));
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile())
      throw new LakeError(
        'FILE_NOT_FOUND',
        `File ${path} does not exist or is not a regular file.`,
      );
  }
  const formats = new Set(paths.map((path) => format ?? formatOf(path)));
  if (formats.size > 1) {
    throw new LakeError(
      'UNSUPPORTED_FORMAT',
      `Load files of one format at a time (got ${[...formats].join(', ')}).`,
    );
  }
  return { paths, format: [...formats][0]! };
}
