import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../../src/lake.js';
import type { RuntimeName } from '../../../src/ml/runtime/model-runtime.js';
import { tempLake } from '../../support/temp-lake.js';

// Numbers with gaps, a categorical with a level some rows lack, and three kinds of target.
const ROWS = `SELECT i AS id,
  CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 37) % 24 END AS hour,
  (i * 91) % 2000 + 100 AS distance,
  CASE WHEN i % 23 = 0 THEN NULL ELSE ['SFO','LAX','JFK','ORD'][i % 4 + 1] END AS origin,
  CASE WHEN ((i * 37) % 24 > 16) OR (i % 4 = 2 AND (i * 13) % 10 < 6) THEN 1 ELSE 0 END AS late,
  ['short','medium','long'][((i * 91) % 2000) // 700 + 1] AS haul,
  ((i * 91) % 2000) / 10.0 + (i % 4) * 5 + ((i * 37) % 24) AS minutes
  FROM range(3000) t(i)`;

const MODELS = [
  { name: 'late_logistic', algorithm: 'logistic', target: 'late', problem: 'binary' },
  { name: 'haul_logistic', algorithm: 'logistic', target: 'haul', problem: 'multiclass' },
  { name: 'minutes_linear', algorithm: 'linear', target: 'minutes', problem: 'regression' },
  { name: 'late_gbdt', algorithm: 'gbdt', target: 'late', problem: 'binary' },
  { name: 'haul_gbdt', algorithm: 'gbdt', target: 'haul', problem: 'multiclass' },
  { name: 'minutes_gbdt', algorithm: 'gbdt', target: 'minutes', problem: 'regression' },
] as const;

const RUNTIMES: RuntimeName[] = ['native', 'onnx'];

let lake: Lake;
let cleanup: () => Promise<void>;
let records: Record<string, unknown>[];

beforeAll(async () => {
  ({ lake, cleanup } = await tempLake());
  await lake.writeTable('air.flights', { sql: ROWS });
  for (const model of MODELS) {
    const run = await lake.ml.train(model.name, {
      table: 'air.flights',
      target: model.target,
      include: ['hour', 'distance', 'origin'],
      algorithm: model.algorithm,
      ...(model.algorithm === 'gbdt' ? { params: { rounds: 30 } } : {}),
    });
    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
  }
  records = [
    ...(
      await lake.query('SELECT hour, distance, origin FROM air.flights ORDER BY id LIMIT 200')
    ).rows(),
    { hour: null, distance: null, origin: null },
    { hour: 22, distance: 5000, origin: 'unseen' },
  ];
}, 120_000);
afterAll(() => cleanup());

/** One suite, every runtime: the shape, the range, and the native scorer's values to 1e-5. */
describe.each(RUNTIMES)('model runtime %s', (runtime) => {
  it.each(MODELS)('scores $name ($problem) as the native scorer does', async (model) => {
    const native = await lake.ml.predict(model.name, records, { runtime: 'native' });
    const scored = await lake.ml.predict(model.name, records, { runtime });
    const width = model.problem === 'multiclass' ? 3 : 1;
    expect(scored.width).toBe(width);
    expect(scored.values).toHaveLength(records.length * width);
    expect(scored.values.every(Number.isFinite)).toBe(true);
    if (model.problem === 'binary') expect(scored.values.every((p) => p >= 0 && p <= 1)).toBe(true);
    if (model.problem === 'multiclass')
      for (let i = 0; i < records.length; i++) {
        const row = scored.values.subarray(i * 3, i * 3 + 3);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      }
    let worst = 0;
    scored.values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - native.values[i]!))));
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('runtimes of models without an ONNX export', () => {
  it('k-means scores natively and says it has no ONNX export', async () => {
    await lake.ml.train('segments', {
      table: 'air.flights',
      include: ['hour', 'distance'],
      algorithm: 'kmeans',
      params: { k: 3 },
    });
    expect((await lake.ml.predict('segments', records.slice(0, 5))).values).toHaveLength(5);
    await expect(lake.ml.predict('segments', records, { runtime: 'onnx' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('no ONNX export'),
    });
  }, 60_000);
});
