import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempDir, tempLake } from '../support/temp-lake.js';

// Saved by XGBoost itself, with its predictions: fixtures/make-xgboost-fixtures.py.
const FIXTURES = JSON.parse(
  readFileSync(new URL('fixtures/xgboost-fixtures.json', import.meta.url), 'utf8'),
) as {
  features: string[];
  rows: Array<Array<number | null>>;
  models: Record<string, { model: unknown; predictions: number[][] }>;
};
const RECORDS = FIXTURES.rows.map((row) =>
  Object.fromEntries(FIXTURES.features.map((name, f) => [name, row[f]])),
);

function worstDifference(expected: number[][], got: Float64Array): number {
  let worst = 0;
  expected.flat().forEach((p, i) => (worst = Math.max(worst, Math.abs(p - got[i]!))));
  return worst;
}

describe('importing models trained elsewhere', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;
  let files: { dir: string; cleanup(): Promise<void> };

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
    files = await tempDir();
  });
  afterEach(async () => {
    await cleanup();
    await files.cleanup();
  });

  it.each(Object.keys(FIXTURES.models))(
    'an XGBoost %s model predicts through the lake what XGBoost predicted, natively and through ONNX',
    async (objective) => {
      const path = join(files.dir, 'model.json');
      await writeFile(path, JSON.stringify(FIXTURES.models[objective]!.model));
      const version = await lake.ml.import('xgb', path, { format: 'xgboost' });
      expect(version).toMatchObject({
        model: 'xgb',
        version: 1,
        origin: 'xgboost',
        algorithm: 'gbdt',
      });
      const expected = FIXTURES.models[objective]!.predictions;
      for (const runtime of ['native', 'onnx'] as const) {
        const scored = await lake.ml.predict('xgb:1', RECORDS, { runtime });
        expect(scored.width).toBe(expected[0]!.length);
        expect(worstDifference(expected, scored.values)).toBeLessThan(1e-5);
      }
    },
  );

  it('an ONNX file scores through onnxruntime with the features it is given', async () => {
    const path = join(files.dir, 'model.json');
    await writeFile(path, JSON.stringify(FIXTURES.models['binary:logistic']!.model));
    const xgb = await lake.ml.import('xgb', path, { format: 'xgboost' });
    const onnxFile = join(dir, xgb.artifactKey.replace('model.json', 'model.onnx'));
    await expect(lake.ml.import('copy', onnxFile, { format: 'onnx' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('--features'),
    });
    const copy = await lake.ml.import('copy', onnxFile, {
      format: 'onnx',
      features: FIXTURES.features,
      problem: 'binary',
    });
    expect(copy).toMatchObject({ origin: 'onnx', algorithm: 'onnx', problem: 'binary' });
    const scored = await lake.ml.predict('copy', RECORDS);
    expect(
      worstDifference(FIXTURES.models['binary:logistic']!.predictions, scored.values),
    ).toBeLessThan(1e-5);
    await expect(lake.ml.predict('copy', RECORDS, { runtime: 'native' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('refuses files it cannot read, saying why, and registers nothing', async () => {
    const notJson = join(files.dir, 'model.ubj');
    await writeFile(notJson, Buffer.from([0x7b, 0x00, 0xff]));
    await expect(lake.ml.import('bad', notJson, { format: 'xgboost' })).rejects.toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
      message: expect.stringContaining('save_model'),
    });
    await expect(
      lake.ml.import('bad', notJson, { format: 'onnx', features: ['a'] }),
    ).rejects.toMatchObject({ code: 'MALFORMED_FILE' });
    await expect(
      lake.ml.import('bad', join(files.dir, 'missing.json'), { format: 'xgboost' }),
    ).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(await lake.ml.models()).toEqual([]);
  });
});
