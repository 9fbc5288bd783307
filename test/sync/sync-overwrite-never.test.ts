import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

describe('sync with overwrite "never"', () => {
  let lake: Lake;
  let lakeDir: string;
  let src: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    const made = await tempLake();
    const files = await tempDir('lakebox-sync-never-');
    lake = made.lake;
    lakeDir = made.dir;
    src = files.dir;
    cleanups.push(made.cleanup, files.cleanup);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  const never = {
    to: 'lake://raw/n',
    options: { overwrite: 'never' as const, verify: 'all' as const },
  };
  const run = async () => lake.sync.wait((await lake.sync.startCopy({ from: src, ...never })).id);

  it('never replaces a changed source file, reports it skipped with EXISTS, and lists nothing unchanged', async () => {
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'version 1');
    await writeFile(join(src, 'sub/b.txt'), 'stays the same');
    const first = await run();
    expect(first).toMatchObject({ status: 'succeeded', filesTransferred: 2 });

    // Same size, later mtime: the comparison would copy it under overwrite "always".
    await writeFile(join(src, 'a.txt'), 'version 2');
    await utimes(join(src, 'a.txt'), new Date(), new Date(Date.now() + 60_000));
    await writeFile(join(src, 'c.txt'), 'new');
    const second = await run();
    expect(second).toMatchObject({
      status: 'succeeded',
      filesTransferred: 1,
      filesSkipped: 2,
      filesFailed: 0,
      filesVerified: 2, // c.txt as transferred, sub/b.txt as unchanged under verify "all"
    });
    expect(await readFile(join(lakeDir, 'raw/n/a.txt'), 'utf8')).toBe('version 1');
    expect(await readFile(join(lakeDir, 'raw/n/c.txt'), 'utf8')).toBe('new');
    const report = await lake.sync.report(second.id);
    expect(report.map(({ path, outcome, code }) => ({ path, outcome, code }))).toEqual([
      { path: 'a.txt', outcome: 'skipped', code: 'EXISTS' },
      { path: 'c.txt', outcome: 'transferred', code: null },
    ]);
    expect(report[0]!.message).toMatch(/exists at the destination and overwrite is "never"/);

    // The refusal is not forgotten: the next run reports it again, and still leaves it.
    const third = await run();
    expect(third).toMatchObject({ filesTransferred: 0, filesSkipped: 3 });
    expect(await lake.sync.report(third.id)).toMatchObject([
      { path: 'a.txt', outcome: 'skipped', code: 'EXISTS' },
    ]);
    expect(await readFile(join(lakeDir, 'raw/n/a.txt'), 'utf8')).toBe('version 1');
  });

  it('leaves a file someone else put at the destination, even with transfer mode "all"', async () => {
    await writeFile(join(src, 'x.txt'), 'from the source');
    await mkdir(join(lakeDir, 'raw/n'), { recursive: true });
    await writeFile(join(lakeDir, 'raw/n/x.txt'), 'put there by hand');
    const all = await lake.sync.wait(
      (
        await lake.sync.startCopy({
          from: src,
          ...never,
          options: { ...never.options, transferMode: 'all' },
        })
      ).id,
    );
    expect(all).toMatchObject({ status: 'succeeded', filesTransferred: 0, filesSkipped: 1 });
    expect(await lake.sync.report(all.id)).toMatchObject([
      { path: 'x.txt', outcome: 'skipped', code: 'EXISTS' },
    ]);
    expect(await readFile(join(lakeDir, 'raw/n/x.txt'), 'utf8')).toBe('put there by hand');
  });
});
