import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-lake.js';

// Runs the built CLI (`npm run build` first), as a user would.
describe('lakebox function and lakebox dlq', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const cli = (...args: string[]) => runCli(['--lake', join(dir, 'lake'), ...args]);

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('lakebox-function-cli-'));
    await writeFile(
      join(dir, 'twice.ts'),
      `export function handler(event: { n: number }, context: any) { context.logger.info('n is', event.n); return { twice: event.n * 2 }; }`,
    );
    await writeFile(join(dir, 'event.json'), '{"n": 5}');
    expect((await runCli(['init', join(dir, 'lake')])).code).toBe(0);
  });
  afterAll(() => cleanup());

  it('deploys, lists, invokes with --event and --event-file, and shows the log', async () => {
    const deployed = await cli(
      'function',
      'deploy',
      join(dir, 'twice.ts'),
      '--name',
      'twice',
      '--timeout',
      '10s',
      '--memory',
      '128',
      '--env',
      'TOKEN=${env:NOT_SET_HERE}',
    );
    expect(deployed).toMatchObject({ code: 0, stderr: '' });
    expect(deployed.stdout).toContain('Function twice is at version 1');
    const listed = JSON.parse((await cli('--json', 'function', 'list')).stdout) as Array<
      Record<string, unknown>
    >;
    expect(listed).toMatchObject([
      {
        name: 'twice',
        latest: {
          version: 1,
          timeoutMs: 10_000,
          memoryMb: 128,
          env: { TOKEN: '${env:NOT_SET_HERE}' },
        },
      },
    ]);
    // The reference is resolved when invoked: here from the invoking process's environment.
    const env = { NOT_SET_HERE: 'given' };
    const invoked = await runCli(
      ['--lake', join(dir, 'lake'), 'function', 'invoke', 'twice', '--event', '{"n": 21}'],
      { env },
    );
    expect(invoked.code).toBe(0);
    expect(JSON.parse(invoked.stdout)).toEqual({ twice: 42 });
    const fromFile = await runCli(
      [
        '--lake',
        join(dir, 'lake'),
        '--json',
        'function',
        'invoke',
        'twice',
        '--event-file',
        join(dir, 'event.json'),
      ],
      { env },
    );
    expect(JSON.parse(fromFile.stdout)).toMatchObject({
      run: { status: 'succeeded' },
      result: { twice: 10 },
    });
    expect((await cli('function', 'logs', 'twice')).stdout).toContain('n is 5');
    expect((await cli('function', 'versions', 'twice')).stdout).toMatch(/│ 1\s+│ 10\.0 s/);
    expect((await cli('dlq', 'list')).stdout).toContain('No dead letters.');
  });

  it.each([
    [
      ['function', 'invoke', 'twice', '--event', '{not json'],
      'INVALID_ARGUMENT',
      '--event is not JSON',
    ],
    [['function', 'invoke', 'twise', '--event', '{}'], 'FUNCTION_NOT_FOUND', 'Did you mean twice?'],
    [['function', 'deploy', 'missing.ts', '--name', 'x'], 'FILE_NOT_FOUND', 'does not exist'],
    [
      ['function', 'deploy', 'twice.ts', '--name', 'x', '--timeout', 'soon'],
      'INVALID_ARGUMENT',
      'not a duration',
    ],
    [['dlq', 'replay', 'abc'], 'INVALID_ARGUMENT', 'not a number'],
  ])('refuses %j on one line with %s and exit 2', async (args, code, text) => {
    const result = await runCli(['--lake', join(dir, 'lake'), ...args], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`[${code}]`);
    expect(result.stderr).toContain(text);
  });

  it('has help for every subcommand', async () => {
    for (const sub of ['deploy', 'list', 'versions', 'invoke', 'invocations', 'logs', 'delete']) {
      const help = await cli('function', sub, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`lakebox function ${sub}`);
    }
    expect((await cli('dlq', 'replay', '--help')).stdout).toContain('--all');
  });
});
