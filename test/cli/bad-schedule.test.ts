import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-lake.js';

// Runs the built CLI (`npm run build` first).
describe('an invalid cron string', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const cli = (...args: string[]) => runCli(['--lake', join(dir, 'lake'), ...args], { cwd: dir });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-bad-schedule-'));
    await mkdir(join(dir, 'files'));
    await writeFile(join(dir, 'job.sql'), 'select 1 as id');
    expect((await runCli(['init', join(dir, 'lake')])).code).toBe(0);
  });
  afterAll(() => cleanup());

  it.each([
    ['sync create', ['sync', 'create', 't', '--from', 'files', '--to', 'lake://raw/t']],
    ['crawler create', ['crawler', 'create', 'c', '--database', 'd', '--target', 'raw/d/']],
    ['job create', ['job', 'create', 'j', '--sql', 'job.sql', '--target', 'curated.j']],
  ])('%s: one clear line, exit 2, INVALID_ARGUMENT, nothing created', async (_what, args) => {
    const refused = await cli(...args, '--schedule', '61 * * * *');
    expect(refused.code).toBe(2);
    expect(refused.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        /^lakebox: The schedule "61 \* \* \* \*" is not a cron expression .*five fields.*\[INVALID_ARGUMENT\]$/,
      ),
    ]);
    // The same command with a good schedule goes through: the refusal left nothing behind.
    expect((await cli(...args, '--schedule', '0 3 * * *')).code).toBe(0);
  });
});
