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
        (await lake.sync.startCopy({ from: src, to: 'lake://raw/mt' })).id,
      );
      expect(run).toMatchObject(
        mode === 'first'
          ? { status: 'succeeded', filesFound: 3, filesTransferred: 3, filesFailed: 0 }
          : { status: 'succeeded', filesFound: 3, filesSkipped: 3, filesFailed: 0 },
      );
    }
  });
});

describe('sync of a file whose name is not UTF-8', () => {
  let lake: Lake;
  let src: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    const made = await tempLake();
    const files = await tempDir('lakebox-sync-name-');
    lake = made.lake;
    src = files.dir;
    cleanups.push(made.cleanup, files.cleanup);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('reports it as failed with the reason, and the counts add up', async () => {
    await mkdir(join(src, 'wn'));
    execFileSync('sh', ['-c', `printf c > "wn/$(printf 'bad\\377')name.txt"`], { cwd: src });
    await writeFile(join(src, 'wn', 'good.txt'), 'g');
    // A literal U+FFFD is valid UTF-8 and is copied.
    await writeFile(join(src, 'wn', 'odd\uFFFDname.txt'), 'o');
    const run = await lake.sync.wait(
      (await lake.sync.startCopy({ from: src, to: 'lake://raw/wn' })).id,
    );
    expect(run).toMatchObject({
      status: 'succeeded_with_errors',
      filesFound: 3,
      filesTransferred: 2,
      filesFailed: 1,
    });
    expect(run.filesFound).toBe(run.filesTransferred + run.filesSkipped + run.filesFailed);
    const failed = (await lake.sync.report(run.id)).filter((r) => r.code === 'INVALID_NAME');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toMatch(/not valid UTF-8 \(bytes 626164ff6e616d652e747874\)/);
  });
});
