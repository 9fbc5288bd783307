import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { runCli } from '../support/run-cli.js';

// Runs the built CLI: `npm run build` first.
const BIN = fileURLToPath(new URL('../../bin/lakebox.js', import.meta.url));
const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const hasTerminalControl = (text: string) => text.includes('\r') || text.includes('\u001b');

describe('lakebox ml train and ml report', () => {
  let root: string;
  let lakeDir: string;
  let env: NodeJS.ProcessEnv;
  const train = [
    'ml',
    'train',
    'delay',
    '--table',
    'air.flights',
    '--target',
    'late',
    '--exclude',
    'id',
  ];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lakebox-ml-cli-'));
    lakeDir = join(root, 'lake');
    const lake = await Lake.init(lakeDir);
    await lake.writeTable('air.flights', {
      sql: `SELECT i AS id, (i * 37) % 24 AS hour, (i * 91) % 2000 + 100 AS distance,
        ['SFO','LAX','JFK','ORD'][i % 4 + 1] AS origin,
        CASE WHEN ((i * 37) % 24 > 16) OR (i % 4 = 2 AND (i * 13) % 10 < 6) OR (i * 7919) % 11 = 0 THEN 1 ELSE 0 END AS late
        FROM range(3000) t(i)`,
    });
    await lake.close();
    env = { LAKEBOX_LAKE: lakeDir };
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('trains on a pipe: a "started" line on stderr, one summary line on stdout, no bar', async () => {
    const result = await runCli([...train, '--algorithm', 'gbdt', '--params', '{"rounds":20}'], {
      env,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^Training run run_\S+ started\.\.\.\n$/);
    expect(result.stdout).toMatch(
      /^Trained delay: auc 0\.\d+, logloss 0\.\d+, accuracy 0\.\d+ on \d+ test rows \(run run_\S+\)\n$/,
    );
    expect(hasTerminalControl(result.stdout + result.stderr)).toBe(false);
  });

  it('prints the run as one JSON document with --json', async () => {
    const result = await runCli(['--json', ...train, '--algorithm', 'logistic'], { env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const run = JSON.parse(result.stdout) as {
      kind: string;
      status: string;
      metrics: Record<string, number>;
    };
    expect(run).toMatchObject({ kind: 'train', status: 'succeeded' });
    expect(run.metrics['auc']).toBeGreaterThan(0.7);
  });

  it('tunes with --tune N --strategy halving and AutoML with --auto, saying which trial won', async () => {
    const tuned = await runCli(
      [...train, '--algorithm', 'logistic', '--tune', '9', '--strategy', 'halving'],
      { env },
    );
    expect(tuned.code).toBe(0);
    expect(tuned.stdout).toMatch(/; best of 13 trials: trial \d+ \(run run_\S+\)\n$/);
    const auto = await runCli([...train, '--auto', '--tune', '2'], { env });
    expect(auto.code).toBe(0);
    expect(auto.stdout).toMatch(/best of 4 trials: trial [1-4] /);
  });

  it('draws a bar on a terminal whose last frame shows the last round, the validation metric and the end', async (ctx) => {
    if (!HAS_SCRIPT) ctx.skip('`script` (util-linux) is not installed: no pseudo-terminal');
    const result = await underTerminal([
      ...train,
      '--algorithm',
      'gbdt',
      '--params',
      '{"rounds":40,"early_stopping_rounds":0}',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Trained delay: auc/);
    const frames = result.terminal
      .split('\u001b[1G')
      .slice(1)
      .map((frame) => stripVTControlCharacters(frame))
      .filter((frame) => frame.trim() !== '');
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.at(-1)).toMatch(/^fit\s+\|[^|]+\| round 40\/40 validation logloss 0\.\d+ done/);
    // With --json there is no bar.
    const json = await underTerminal([
      '--json',
      ...train,
      '--algorithm',
      'gbdt',
      '--params',
      '{"rounds":5}',
    ]);
    expect(json.code).toBe(0);
    expect(json.terminal).toBe('');
  });

  it('reports a run: metrics, the confusion matrix, importance, and the charts written beside the model', async () => {
    const trained = await runCli(
      ['--json', ...train, '--algorithm', 'gbdt', '--params', '{"rounds":20}'],
      { env },
    );
    const run = JSON.parse(trained.stdout) as { id: string };
    const result = await runCli(['ml', 'report', run.id], { env });
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(new RegExp(`^Model delay \\(gbdt, binary\\) from ${run.id}\\n`));
    for (const metric of ['auc', 'logloss', 'accuracy', 'precision', 'recall', 'f1'])
      expect(out).toMatch(new RegExp(`│ ${metric}\\s+│ 0\\.\\d+`));
    expect(out).toContain('Confusion matrix (rows actual, columns predicted, threshold 0.5)');
    expect(out).toMatch(/Feature importance \(gain\)[\s\S]*│ hour\s+│/);
    for (const chart of ['roc', 'pr', 'importance']) {
      const key = `models/delay/${run.id}/${chart}.svg`;
      expect(out).toContain(key);
      expect((await readFile(join(lakeDir, key), 'utf8')).startsWith('<svg')).toBe(true);
    }
    const json = await runCli(['--json', 'ml', 'report', run.id], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({
      ref: run.id,
      problem: 'binary',
      charts: { roc: `models/delay/${run.id}/roc.svg` },
    });
  });

  it('refuses bad input with one line, a stable code and exit 2, no stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [
        [...train, '--params', '{bad'],
        /^lakebox: --params is not valid JSON: .* \[INVALID_ARGUMENT\]\n$/,
      ],
      [[...train, '--params', '[1]'], /--params must be a JSON object.*\[INVALID_ARGUMENT\]\n$/],
      [
        [...train, '--tune', '0'],
        /tune\.trials must be an integer from 1 to 1000.*\[INVALID_ARGUMENT\]\n$/,
      ],
      [
        [...train, '--auto', '--algorithm', 'gbdt'],
        /auto chooses the algorithm.*\[INVALID_ARGUMENT\]\n$/,
      ],
      [
        [...train, '--space', '{"l2":{"min":1,"max":2}}'],
        /give --tune N \(trials\) too\. \[INVALID_ARGUMENT\]\n$/,
      ],
      [
        ['ml', 'train', 'delay', '--table', 'air.flights', '--target', 'nope'],
        /The target column nope is not in the data.*\[COLUMN_NOT_FOUND\]\n$/,
      ],
      [['ml', 'report', 'run_nope'], /^lakebox: No train run run_nope: .*\[RUN_NOT_FOUND\]\n$/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, { env });
      expect(result.code, args.join(' ')).toBe(2);
      const errorLine = result.stderr.replace(/^Training run \S+ started\.\.\.\n/, '');
      expect(errorLine).toMatch(message);
      expect(errorLine).not.toMatch(/\n\s+at /);
    }
  });

  /** Runs the CLI with stderr on a pseudo-terminal and stdout into a file. */
  async function underTerminal(
    args: string[],
  ): Promise<{ code: number; stdout: string; terminal: string }> {
    const out = join(root, `stdout-${Date.now()}-${Math.random()}`);
    const command = [process.execPath, BIN, ...args].map(quote).join(' ') + ` > ${quote(out)}`;
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let terminal = '';
    child.stdout.on('data', (chunk: Buffer) => (terminal += chunk.toString()));
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (exit) => resolve(exit ?? -1));
    });
    return { code, stdout: await readFile(out, 'utf8'), terminal };
  }
});

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
