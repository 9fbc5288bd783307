import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';

describe('vacuum of local leftovers', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ lake, dir, cleanup } = await tempLake()));
  afterEach(() => cleanup());

  it('removes what dead writers left in .lakebox/ once older than the grace period, and nothing younger', async () => {
    const work = join(dir, '.lakebox');
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const leftovers = [
      join(work, 'staging', 'dead-write'),
      join(work, 'work', 'jobs', 'run_dead'),
      join(work, 'work', 'migrate-staging', 'dead-load'),
    ];
    for (const folder of leftovers) {
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'part.parquet'), 'x');
      await utimes(folder, old, old);
    }
    await mkdir(join(work, 'tmp'), { recursive: true });
    await writeFile(join(work, 'tmp', 'half-written.tmp'), 'x');
    await utimes(join(work, 'tmp', 'half-written.tmp'), old, old);
    const fresh = join(work, 'work', 'jobs', 'run_alive');
    await mkdir(fresh, { recursive: true });

    const dry = await lake.vacuum({ dryRun: true });
    expect(dry.metrics['stagingFoldersDeleted']).toBe(4);
    expect(leftovers.every((folder) => existsSync(folder))).toBe(true);

    const run = await lake.vacuum();
    expect(run.metrics['stagingFoldersDeleted']).toBe(4);
    for (const folder of leftovers) expect(existsSync(folder)).toBe(false);
    expect(existsSync(join(work, 'tmp', 'half-written.tmp'))).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(join(dir, 'lakebox.json'))).toBe(true);
  });
});
