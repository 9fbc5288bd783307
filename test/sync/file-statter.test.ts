import { execFileSync } from 'node:child_process';
import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStatter, statFileHere } from '../../src/migrate/files/file-statter.js';
import { localEntry } from '../../src/migrate/files/walk-local-dir.js';
import { tempDir } from '../support/temp-lake.js';

describe('FileStatter', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let statter: FileStatter;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-statter-'));
    statter = new FileStatter();
  });
  afterEach(async () => {
    await statter.close();
    await cleanup();
  });

  it('gives files the size, mtime and version the listing gives, and 0 for anything else', async () => {
    await mkdir(join(dir, 'folder'));
    await writeFile(join(dir, 'a.txt'), 'hello');
    await symlink(join(dir, 'a.txt'), join(dir, 'link.txt'));
    await writeFile(join(dir, 'blocker'), 'x');
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const paths = ['a.txt', 'link.txt', 'folder', 'absent', 'blocker/under', 'pipe'].map((p) =>
      join(dir, p),
    );
    const onWorker = await statter.statAll(paths);
    expect(onWorker).toEqual(paths.map(statFileHere));
    const listed = localEntry('a.txt', await stat(join(dir, 'a.txt'), { bigint: true }));
    expect(onWorker.slice(0, 2)).toEqual([
      [listed.size, listed.mtimeMs, listed.version],
      [listed.size, listed.mtimeMs, listed.version],
    ]);
    expect(onWorker.slice(2)).toEqual([0, 0, 0, 0]);
  });

  it('answers several batches asked at once, each in its order', async () => {
    const paths = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const path = join(dir, `f-${i}`);
        await writeFile(path, 'x'.repeat(i));
        return path;
      }),
    );
    const batches = await Promise.all(
      [0, 1, 2].map((b) => statter.statAll(paths.slice(b * 100, (b + 1) * 100))),
    );
    expect(batches.flat().map((r) => (r === 0 ? -1 : r[0]))).toEqual(paths.map((_, i) => i));
  });
});
