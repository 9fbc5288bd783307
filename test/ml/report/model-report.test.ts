import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../../src/lake.js';
import { tempLake } from '../../support/temp-lake.js';

let lake: Lake;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ lake, dir, cleanup } = await tempLake());
  await lake.writeTable('air.flights', {
    sql: `SELECT i AS id, (i * 37) % 24 AS hour, (i * 91) % 2000 + 100 AS distance,
      ['SFO','LAX','JFK','ORD'][i % 4 + 1] AS origin,
      CASE WHEN ((i * 37) % 24 > 16) OR (i % 4 = 2 AND (i * 13) % 10 < 6) OR (i * 7919) % 11 = 0 THEN 1 ELSE 0 END AS late,
      ['red','green','blue'][(i * 37) % 24 // 8 + 1] AS band,
      (i * 91) % 2000 / 10.0 + (i * 37) % 24 + 1 AS minutes
      FROM range(3000) t(i)`,
  });
});
afterAll(() => cleanup());

const read = (key: string) => readFile(join(dir, key), 'utf8');

describe('lake.ml.report', () => {
  it('binary: metrics, the confusion matrix at the threshold, importance, and ROC, PR and importance charts beside the model', async () => {
    const run = await lake.ml.train('delay', {
      table: 'air.flights',
      target: 'late',
      include: ['hour', 'distance', 'origin'],
      algorithm: 'gbdt',
      params: { rounds: 30 },
    });
    const report = await lake.ml.report(run.id);
    expect(report).toMatchObject({
      ref: run.id,
      name: 'delay',
      algorithm: 'gbdt',
      problem: 'binary',
      threshold: 0.5,
    });
    for (const key of ['auc', 'logloss', 'accuracy', 'precision', 'recall', 'f1'])
      expect(Number.isFinite(report.metrics[key])).toBe(true);
    const confusion = report.confusion!;
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(run.metrics['rowsTest']);
    const [[tn, fp], [fn, tp]] = confusion as [[number, number], [number, number]];
    expect(report.metrics['accuracy']).toBeCloseTo((tp + tn) / (tp + tn + fp + fn), 12);
    expect(report.importance.map((i) => i.feature).sort()).toEqual(['distance', 'hour', 'origin']);
    expect(report.importance[0]!.gain).toBeGreaterThanOrEqual(report.importance[1]!.gain);
    expect(report.charts).toEqual({
      roc: `models/delay/${run.id}/roc.svg`,
      pr: `models/delay/${run.id}/pr.svg`,
      importance: `models/delay/${run.id}/importance.svg`,
    });
    const roc = await read(report.charts.roc!);
    expect(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/.test(roc)).toBe(true);
    expect(roc.includes(`ROC curve (AUC ${report.metrics['auc']!.toFixed(3)})`)).toBe(true);
    expect((await read(report.charts.importance!)).includes('Feature importance (gain)')).toBe(
      true,
    );
    // The stored curve is thinned, starts at (0, 0) and ends at (1, 1).
    const artifact = JSON.parse(await read(`models/delay/${run.id}/model.json`)) as {
      evaluation: { curves: Array<{ fpr: number; tpr: number }> };
    };
    const curve = artifact.evaluation.curves;
    expect(curve.length).toBeLessThanOrEqual(201);
    expect(curve[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(curve.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
  });

  it('regression: RMSE, MAE, R², MAPE and a residuals chart from a stored sample', async () => {
    const run = await lake.ml.train('minutes', {
      table: 'air.flights',
      target: 'minutes',
      include: ['hour', 'distance'],
      algorithm: 'linear',
    });
    const report = await lake.ml.report(run.id);
    for (const key of ['rmse', 'mae', 'r2', 'mape'])
      expect(Number.isFinite(report.metrics[key])).toBe(true);
    expect(report.charts.residuals).toBe(`models/minutes/${run.id}/residuals.svg`);
    expect(report.charts.roc).toBeUndefined();
    expect(
      (await read(report.charts.residuals!)).includes('Residuals (500 sampled test rows)'),
    ).toBe(true);
  });

  it('multiclass: accuracy, macro F1 and a classes-by-classes confusion matrix', async () => {
    const run = await lake.ml.train('band', {
      table: 'air.flights',
      target: 'band',
      include: ['hour', 'distance'],
      algorithm: 'gbdt',
      params: { rounds: 10 },
    });
    const report = await lake.ml.report(run.id);
    expect(report.classes).toHaveLength(3);
    expect(report.confusion).toHaveLength(3);
    expect(report.confusion!.every((row) => row.length === 3)).toBe(true);
    expect(Number.isFinite(report.metrics['macroF1'])).toBe(true);
    expect(Object.keys(report.charts)).toEqual(['importance']);
  });

  it('refuses an unknown id, and a run that is not a train run', async () => {
    await expect(lake.ml.report('run_nope')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    const failed = await lake.ml.train('bad', {
      sql: 'SELECT hour, 1 AS y FROM air.flights',
      target: 'y',
    });
    await expect(lake.ml.report(failed.id)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/failed: it has no model/),
    });
  });
});
