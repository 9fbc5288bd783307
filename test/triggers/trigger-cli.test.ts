import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-lake.js';

// Runs the built CLI (`npm run build` first), as a user would.
describe('lakebox trigger and lakebox dispatch', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const cli = (...args: string[]) => runCli(['--lake', join(dir, 'lake'), ...args]);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-trigger-cli-'));
    await writeFile(join(dir, 'echo.ts'), 'export const handler = (event: unknown) => event;');
    await writeFile(join(dir, 'day.csv'), 'id\n1\n');
    expect((await runCli(['init', join(dir, 'lake')])).code).toBe(0);
    expect((await cli('function', 'deploy', join(dir, 'echo.ts'), '--name', 'echo')).code).toBe(0);
  });
  afterAll(() => cleanup());

  it('creates, lists, shows, disables, enables and deletes a trigger, and dispatch delivers', async () => {
    const created = await cli(
      'trigger',
      'create',
      'new-sales',
      '--on',
      'object.created',
      '--zone',
      'raw',
      '--prefix',
      'sales/',
      '--suffix',
      '.csv',
      '--run',
      'function:echo',
      '--input',
      '{"file":"${detail.key}"}',
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toContain(
      'Trigger new-sales: object.created zone=raw prefix=sales/ suffix=.csv -> function:echo.',
    );
    const listed = await cli('trigger', 'list');
    expect(listed.stdout).toMatch(
      /new-sales[\s│]+object.created zone=raw prefix=sales\/ suffix=.csv[\s│]+function:echo[\s│]+enabled/,
    );

    expect((await cli('load', 'raw.other', join(dir, 'day.csv'))).code).toBe(0);
    const sync = await cli(
      'sync',
      'create',
      'share',
      '--from',
      dir,
      '--to',
      'lake://raw/sales',
      '--include',
      '*.csv',
    );
    expect(sync.code).toBe(0);
    expect((await cli('sync', 'start', 'share', '--wait')).code).toBe(0);
    const drained = await cli('--json', 'dispatch', '--once');
    expect(drained.code).toBe(0);
    const lines = drained.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const started = lines.filter((l) => l['event'] === 'delivery.started');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ trigger: 'new-sales', target: 'function:echo' });

    const shown = JSON.parse((await cli('--json', 'trigger', 'show', 'new-sales')).stdout) as {
      counts: Record<string, number>;
      recent: Array<{ runId: string }>;
    };
    expect(shown.counts).toEqual({ started: 1, failed: 0, stopped: 0 });
    const text = await cli('trigger', 'show', 'new-sales');
    expect(text.stdout).toContain('counts  1 started, 0 failed, 0 stopped');
    expect(text.stdout).toContain(shown.recent[0]!.runId);

    expect((await cli('trigger', 'disable', 'new-sales')).stdout).toContain(
      'Trigger new-sales is disabled.',
    );
    expect((await cli('trigger', 'list')).stdout).toMatch(/disabled/);
    expect((await cli('trigger', 'enable', 'new-sales')).stdout).toContain('is enabled');
    expect((await cli('trigger', 'delete', 'new-sales')).stdout).toContain(
      'Deleted trigger new-sales.',
    );
    expect((await cli('trigger', 'list')).stdout).toContain('No triggers.');
  });

  it('says in one line what is wrong, with a usage exit code and no stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--on', 'object.made', '--run', 'function:echo'], /No event type matches "object.made"/],
      [
        ['--on', 'object.created', '--run', 'function:ecko'],
        /Function ecko does not exist. Did you mean echo\?/,
      ],
      [['--on', 'object.created', '--run', 'lambda:echo'], /Target "lambda:echo" is not valid/],
      [
        ['--on', 'object.created', '--run', 'function:echo', '--input', 'not json'],
        /input template is not JSON/,
      ],
      [['--on', 'run.*', '--run', 'function:echo'], /TRIGGER_LOOP|would start itself/],
    ];
    for (const [args, message] of cases) {
      const result = await cli('trigger', 'create', 'bad', ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\s+at /);
    }
    const missing = await cli('trigger', 'show', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Trigger nope does not exist/);
  });
});
