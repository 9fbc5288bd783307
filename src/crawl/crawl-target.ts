import picomatch from 'picomatch';
import { validatePrefix } from '../storage/object-key.js';
import { LakeError } from '../errors/lake-error.js';
import type { CrawlTarget } from './crawler-types.js';

/** A target resolved to a key prefix of the lake's store, with its exclude matcher. */
export interface ResolvedTarget {
  prefix: string;
  excluded(key: string): boolean;
}

/**
 * Resolves a target to a key prefix (always ending with `/`). An S3 URI must lie inside the
 * lake's storage (`storageUri`, e.g. `s3://bucket/lake`): the engine reads objects through
 * the lake's store, so objects elsewhere cannot back a table.
 *
 * @throws LakeError INVALID_ARGUMENT for a URI outside the lake, INVALID_KEY for a bad prefix.
 */
export function resolveTarget(target: CrawlTarget, storageUri: string | undefined): ResolvedTarget {
  let prefix = target.path;
  if (prefix.startsWith('s3://')) {
    const root = storageUri?.replace(/\/*$/, '/');
    if (!root || !prefix.startsWith(root)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Target ${prefix} is outside the lake's storage${root ? ` (${root})` : ' (a local directory)'}; sync the files into a zone first (lakebox sync) or name a zone prefix such as raw/sales/.`,
      );
    }
    prefix = prefix.slice(root.length);
  }
  prefix = prefix.replace(/^\/+/, '');
  if (!prefix.endsWith('/')) prefix = `${prefix}/`;
  validatePrefix(prefix);
  const globs = target.exclude ?? [];
  const matcher = globs.length > 0 ? picomatch(globs, { dot: true }) : undefined;
  return {
    prefix,
    excluded: (key) => (matcher ? matcher(key.slice(prefix.length)) : false),
  };
}
