import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { runCli } from '../support/run-cli.js';
import { tempLake } from '../support/temp-lake.js';

describe('lakebox run RUN_ID --cancel (built CLI)', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
  });
  afterEach(() => cleanup());

  it('cancels a queued run of another process, and refuses an ended one in one line', async () => {
    // Recorded as another process would queue it: nothing here runs it.
    const queued = await lake.services.runs.create({ kind: 'job', name: 'held' });

    const cancelled = await runCli(['--json', 'run', queued.id, '--cancel'], { cwd: dir });
    expect(cancelled).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ id: queued.id, status: 'cancelled' });
    expect(await lake.runs.get(queued.id)).toMatchObject({ status: 'cancelled' });

    const again = await runCli(['run', queued.id, '--cancel'], { cwd: dir });
    expect(again.code).not.toBe(0);
    const lines = again.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^lakebox: Run run_\w+ has already ended \(cancelled\).* \[RUN_NOT_CANCELLABLE\]$/,
    );

    const missing = await runCli(['run', 'run_nope', '--cancel'], { cwd: dir });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toMatch(/\[RUN_NOT_FOUND\]$/);
  });
});
