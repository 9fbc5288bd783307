import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lake, type InitOptions } from '../../src/lake.js';

/** A new lake in a temporary directory, removed by `cleanup`. */
export async function tempLake(
  options: InitOptions = {},
): Promise<{ lake: Lake; dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lakebox-lake-'));
  const lake = await Lake.init(dir, options);
  return {
    lake,
    dir,
    cleanup: async () => {
      await lake.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function tempDir(
  prefix = 'lakebox-files-',
): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
