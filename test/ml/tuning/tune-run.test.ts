import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../../src/lake.js';
import { tempLake } from '../../support/temp-lake.js';

let lake: Lake;
let dir: string;
let cleanup: () => Promise<void>;

interface Trial {
  trial: number;
  candidate: number;
  algorithm: string;
  params: Record<string, unknown>;
  rung: number;
  trainRows: number;
  score?: number;
}
interface Artifact {
  algorithm: string;
  lineage: { params: Record<string, unknown> };
  tuning: {
    strategy: string;
    auto: boolean;
    metric: { name: string };
    best: number;
    trials: Trial[];
  };
}

const artifact = async (name: string, runId: string) =>
  JSON.parse(await readFile(join(dir, 'models', name, runId, 'model.json'), 'utf8')) as Artifact;

beforeEach(async () => {
  ({ lake, dir, cleanup } = await tempLake());
  await lake.writeTable('air.flights', {
    sql: `SELECT i AS id, (i * 37) % 24 AS hour, (i * 91) % 2000 + 100 AS distance,
      ['SFO','LAX','JFK','ORD'][i % 4 + 1] AS origin,
      CASE WHEN ((i * 37) % 24 > 16) OR (i % 4 = 2 AND (i * 13) % 10 < 6) OR (i * 7919) % 11 = 0 THEN 1 ELSE 0 END AS late
      FROM range(3000) t(i)`,
  });
});
afterEach(() => cleanup());

const base = { table: 'air.flights', target: 'late', exclude: ['id'] };

describe('tuning', () => {
  it('random search: records every trial, the defaults first, and keeps the best on validation', async () => {
    const run = await lake.ml.train('tuned', {
      ...base,
      algorithm: 'gbdt',
      params: { rounds: 20 },
      tune: {
        trials: 5,
        space: {
          learningRate: { min: 0.01, max: 0.5, log: true },
          maxDepth: { min: 2, max: 6, integer: true },
        },
      },
    });
    expect(run.status).toBe('succeeded');
    expect(run.metrics).toMatchObject({ trials: 5 });
    const { tuning, lineage } = await artifact('tuned', run.id);
    expect(tuning.trials.map((t) => t.trial)).toEqual([1, 2, 3, 4, 5]);
    expect(tuning.trials[0]!.params).toEqual({ rounds: 20 });
    for (const t of tuning.trials.slice(1)) {
      expect(t.params['rounds']).toBe(20);
      expect(t.params['learningRate']).toBeGreaterThanOrEqual(0.01);
      expect(t.params['learningRate']).toBeLessThanOrEqual(0.5);
      expect(Number.isInteger(t.params['maxDepth'])).toBe(true);
    }
    const best = Math.min(...tuning.trials.map((t) => t.score!));
    expect(tuning.trials.find((t) => t.trial === tuning.best)!.score).toBe(best);
    expect(run.metrics['bestTrial']).toBe(tuning.best);
    const kept = tuning.trials.find((t) => t.trial === tuning.best)!;
    expect(lineage.params).toMatchObject(kept.params);
    const logs = await lake.runs.logs(run.id);
    expect(logs.filter((l) => /^trial \d+ gbdt/.test(l.message))).toHaveLength(5);
  });

  it('successive halving: rungs on growing nested shares of the rows, the last on all of them', async () => {
    const run = await lake.ml.train('halved', {
      ...base,
      algorithm: 'logistic',
      tune: { trials: 9, strategy: 'halving', eta: 3 },
    });
    expect(run.status).toBe('succeeded');
    const { tuning } = await artifact('halved', run.id);
    const rungs = [0, 1, 2].map((r) => tuning.trials.filter((t) => t.rung === r));
    expect(rungs.map((r) => r.length)).toEqual([9, 3, 1]);
    expect(rungs[2]![0]!.trainRows).toBe(run.metrics['rowsTrain']);
    expect(rungs[0]![0]!.trainRows).toBeLessThan(rungs[1]![0]!.trainRows);
    // Survivors are the best of the rung before.
    const survivors = new Set(rungs[1]!.map((t) => t.candidate));
    const ranked = [...rungs[0]!].sort((a, b) => a.score! - b.score!);
    expect(new Set(ranked.slice(0, 3).map((t) => t.candidate))).toEqual(survivors);
    expect(tuning.best).toBe(rungs[2]![0]!.trial);
  });

  it('gives the same model, byte for byte, for the same data, search and seed', async () => {
    const request = { ...base, algorithm: 'logistic' as const, tune: { trials: 3 }, seed: 9 };
    const a = await lake.ml.train('same', request);
    const b = await lake.ml.train('same', request);
    const bytes = (id: string) => readFile(join(dir, 'models', 'same', id, 'model.json'), 'utf8');
    expect(await bytes(a.id)).toBe(await bytes(b.id));
  });

  it('refuses a search that cannot rank trials: no validation rows, an unknown parameter', async () => {
    const noValidation = await lake.ml.train('x', {
      ...base,
      tune: { trials: 2 },
      split: { method: 'random', validation: 0 },
    });
    expect(noValidation.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(noValidation.error!.message).toMatch(/need validation rows/);
    const unknown = await lake.ml.train('x', {
      ...base,
      algorithm: 'logistic',
      tune: { trials: 2, space: { depth: { min: 1, max: 3 } } },
    });
    expect(unknown.error!.message).toMatch(/Unknown parameter depth for logistic/);
  });
});

describe('AutoML', () => {
  it('tries gbdt and logistic regression for a binary target and keeps the best on validation', async () => {
    const run = await lake.ml.train('auto', { ...base, auto: true, tune: { trials: 2 } });
    expect(run.status).toBe('succeeded');
    const { tuning, algorithm } = await artifact('auto', run.id);
    expect(tuning.auto).toBe(true);
    expect(tuning.trials.map((t) => t.algorithm)).toEqual(['gbdt', 'gbdt', 'logistic', 'logistic']);
    const best = tuning.trials.reduce((a, b) => (b.score! < a.score! ? b : a));
    expect(algorithm).toBe(best.algorithm);
    expect(tuning.best).toBe(best.trial);
  });

  it('tries gbdt and linear regression for a numeric target', async () => {
    const run = await lake.ml.train('auto_reg', {
      ...base,
      target: 'distance',
      auto: true,
      tune: { trials: 1 },
    });
    const { tuning } = await artifact('auto_reg', run.id);
    expect(tuning.metric.name).toBe('rmse');
    expect(tuning.trials.map((t) => t.algorithm)).toEqual(['gbdt', 'linear']);
  });

  it('refuses auto with a named algorithm, and for problems without a validation metric', async () => {
    const named = await lake.ml.train('x', { ...base, auto: true, algorithm: 'gbdt' });
    expect(named.error!.message).toMatch(/auto chooses the algorithm/);
    const clustering = await lake.ml.train('x', {
      table: 'air.flights',
      exclude: ['id', 'late'],
      auto: true,
    });
    expect(clustering.error!.message).toMatch(/clustering models have none/);
  });
});
