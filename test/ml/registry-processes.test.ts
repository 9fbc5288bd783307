import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { eventually } from '../support/cli-process.js';
import { runCli } from '../support/run-cli.js';
import { tempLake } from '../support/temp-lake.js';

const SDK = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

/** The registry across real processes: racing alias moves, a training killed half-way. */
describe('the model registry across processes', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
    await lake.writeTable('air.flights', {
      sql: `SELECT i AS id, (i * 37) % 24 AS hour, (i * 91) % 2000 + 100 AS distance,
        CASE WHEN (i * 37) % 24 > 16 THEN 1 ELSE 0 END AS late FROM range(20000) t(i)`,
    });
  });
  afterEach(() => cleanup());

  const train = (rounds: number) =>
    lake.ml.train('delay', {
      table: 'air.flights',
      target: 'late',
      exclude: ['id'],
      algorithm: 'gbdt',
      params: { rounds },
    });

  it('two processes moving one alias at once, both expecting version 1: one wins, the audit shows both', async () => {
    for (let i = 0; i < 3; i++) expect((await train(5)).status).toBe('succeeded');
    await lake.ml.moveAlias('delay', 'production', 1);
    const move = (to: number) =>
      runCli([
        '--lake',
        dir,
        'ml',
        'alias',
        'delay',
        'production',
        String(to),
        '--expect',
        '1',
        '--by',
        `p${to}`,
      ]);
    const results = await Promise.all([move(2), move(3)]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    const loser = results.find((r) => r.code === 1)!;
    expect(loser.stderr).toContain('MODEL_ALIAS_CONFLICT');
    const history = await lake.ml.aliasHistory('delay', 'production');
    expect(
      history
        .slice(1)
        .map((m) => m.outcome)
        .sort(),
    ).toEqual(['moved', 'refused']);
    const winner = history.find((m) => m.outcome === 'moved' && m.from === 1)!;
    expect((await lake.ml.version('delay@production')).version).toBe(winner.to);
    const refused = history.find((m) => m.outcome === 'refused')!;
    expect(refused.reason).toBe(`it holds version ${winner.to}, not version 1`);
  }, 120_000);

  it('a training SIGKILLed half-way registers no version; the next one is version 1', async () => {
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { Lake } = await import(${JSON.stringify(SDK)});
         const lake = await Lake.open(${JSON.stringify(dir)});
         await lake.ml.train('delay', { table: 'air.flights', target: 'late', exclude: ['id'], algorithm: 'gbdt', params: { rounds: 100000, earlyStoppingRounds: 0 } });`,
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await eventually(async () => {
      const [run] = await lake.runs.list({ kind: 'train' });
      return run?.status === 'running' && (run.progress?.done ?? 0) > 0 ? run : undefined;
    }, 'the training to report progress');
    child.kill('SIGKILL');
    await exited;
    expect(await lake.ml.models()).toEqual([]);
    const listed = await runCli(['--lake', dir, 'ml', 'models']);
    expect(listed.stdout).toContain('No models');
    expect((await train(5)).metrics['version']).toBe(1);
    expect((await lake.ml.versions('delay')).map((v) => v.version)).toEqual([1]);
  }, 120_000);
});
