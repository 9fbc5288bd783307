import picomatch from 'picomatch';
import { z } from 'zod';
import { LakeError } from '../../errors/lake-error.js';
import type { SyncOptions } from './sync-types.js';

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  transferMode: 'changed',
  compare: 'size-mtime',
  verify: 'transferred',
  overwrite: 'always',
  deleted: 'keep',
  preserveMtime: true,
  concurrency: 16,
  bandwidthLimit: null,
  fsync: false,
};

const optionsSchema = z
  .object({
    transferMode: z.enum(['changed', 'all']),
    compare: z.enum(['size-mtime', 'checksum']),
    verify: z.enum(['none', 'transferred', 'all']),
    overwrite: z.enum(['always', 'never']),
    deleted: z.enum(['keep', 'mirror']),
    preserveMtime: z.boolean(),
    concurrency: z.number().int().min(1).max(256),
    bandwidthLimit: z.number().int().min(1024).nullable(),
    fsync: z.boolean(),
  })
  .partial()
  .strict();

/**
 * The defaults overlaid with `options`, checked.
 *
 * @throws LakeError INVALID_ARGUMENT naming the option and what it accepts.
 */
export function syncOptions(options: Partial<SyncOptions> = {}): SyncOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LakeError(
      'INVALID_ARGUMENT',
      `Invalid sync option ${issue.path.join('.') || JSON.stringify(Object.keys(options))}: ${issue.message}.`,
    );
  }
  const defined = Object.fromEntries(
    Object.entries(parsed.data).filter(([, v]) => v !== undefined),
  );
  return { ...DEFAULT_SYNC_OPTIONS, ...defined };
}

/** Checks globs by compiling them. @throws LakeError INVALID_ARGUMENT. */
export function checkGlobs(kind: 'include' | 'exclude', globs: unknown): string[] {
  if (globs === undefined) return [];
  if (!Array.isArray(globs) || globs.some((g) => typeof g !== 'string' || g === '')) {
    throw new LakeError('INVALID_ARGUMENT', `Sync ${kind} globs must be non-empty strings.`);
  }
  for (const glob of globs as string[]) {
    try {
      picomatch(glob);
    } catch (error) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Invalid ${kind} glob ${JSON.stringify(glob)}: ${(error as Error).message}.`,
      );
    }
  }
  return globs as string[];
}

/** Whether a relative path passes the include and exclude globs (exclude wins). */
export function pathFilter(include: string[], exclude: string[]): (path: string) => boolean {
  const included = include.length > 0 ? picomatch(include, { dot: true }) : () => true;
  const excluded = exclude.length > 0 ? picomatch(exclude, { dot: true }) : () => false;
  return (path) => included(path) && !excluded(path);
}
