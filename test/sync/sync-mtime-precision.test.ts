import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

describe('sync and modification times near a millisecond boundary', () => {
  let lake: Lake;
  let src: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    const made = await tempLake();
    const files = await tempDir('lakebox-sync-mtime-');
    lake = made.lake;
    src = files.dir;
    cleanups.push(made.cleanup, files.cleanup);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('copies a file whose mtime lies just below a millisecond, and skips it on the next run', async () => {
    await mkdir(join(src, 'd'));
    // Nanoseconds that a float of milliseconds rounds up to the next millisecond.
    const stamps = ['2025-03-01 10:00:00.999999999', '2025-03-01 10:00:00.123999999'];
    for (const [i, stamp] of stamps.entries()) {
      const path = join(src, 'd', `f${i}.txt`);
      await writeFile(path, `hi ${i}\n`);
      execFileSync('touch', ['-d', stamp, path]);
    }
    await writeFile(join(src, 'plain.txt'), 'plain');
    for (const mode of ['first', 'again'] as const) {
      const run = await lake.sync.wait(
        (await lake.sync.run({ from: src, to: 'lake://raw/mt' })).id,
      );
      expect(run).toMatchObject(
        mode === 'first'
          ? { status: 'succeeded', filesFound: 3, filesTransferred: 3, filesFailed: 0 }
          : { status: 'succeeded', filesFound: 3, filesSkipped: 3, filesFailed: 0 },
      );
    }
  });
});
