import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { startCli, type CliProcess } from '../support/cli-process.js';
import { runCli } from '../support/run-cli.js';
import { tempLake } from '../support/temp-lake.js';

describe('lakebox events tail', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;
  let tail: CliProcess | undefined;
  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
  });
  afterEach(async () => {
    if (tail && tail.child.exitCode === null) tail.child.kill('SIGKILL');
    await tail?.exited;
    await cleanup();
  });

  it('follows events another process appends, only of the type asked for, until SIGTERM', async () => {
    await lake.writeTable('raw.before', [{ id: 0 }]);
    const [newest] = await lake.listEvents({ newestFirst: true, limit: 1 });
    tail = startCli([
      '--lake',
      dir,
      '--json',
      'events',
      'tail',
      '--type',
      'table.*',
      '--after',
      String(newest!.id),
    ]);
    await lake.writeTable('raw.after', [{ id: 1 }]);
    const line = await tail.line((text) => text.includes('raw.after'), 'the event of raw.after');
    const event = JSON.parse(line) as { type: string; id: number };
    expect(event.type).toMatch(/^table\./);
    expect(event.id).toBeGreaterThan(newest!.id);
    expect(
      tail.lines.every((text) => (JSON.parse(text) as { type: string }).type.startsWith('table.')),
    ).toBe(true);
    expect(tail.lines.some((text) => text.includes('raw.before'))).toBe(false);
    tail.child.kill('SIGTERM');
    expect(await tail.exited).toBe(0);
  }, 60_000);

  it('refuses a type pattern that matches no event type, in one line', async () => {
    const result = await runCli(['--lake', dir, 'events', 'tail', '--type', 'tabel.*']);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('No event type matches "tabel.*"');
    const types = await runCli(['--lake', dir, '--json', 'events', 'types']);
    expect(JSON.parse(types.stdout)).toContainEqual({
      type: 'table.committed',
      meaning: 'a snapshot of a table was committed',
    });
  }, 60_000);
});
