import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FeatureFrame } from '../../../../src/ml/algorithms/algorithm.js';
import { gbdt } from '../../../../src/ml/algorithms/gbdt/gbdt.js';
import { gbdtFromXgboost } from '../../../../src/ml/algorithms/gbdt/gbdt-xgboost.js';

// Saved by XGBoost itself, with its predictions: make-xgboost-fixtures.py.
const FIXTURES = JSON.parse(
  readFileSync(new URL('../../fixtures/xgboost-fixtures.json', import.meta.url), 'utf8'),
) as {
  features: string[];
  rows: Array<Array<number | null>>;
  models: Record<string, { model: unknown; predictions: number[][] }>;
};

function frame(): FeatureFrame {
  return {
    rows: FIXTURES.rows.length,
    features: FIXTURES.features.map((name, f) => ({
      name,
      kind: 'numeric' as const,
      values: Float64Array.from(FIXTURES.rows, (row) => row[f] ?? Number.NaN),
    })),
  };
}

describe('XGBoost JSON models read as Lakebox tree ensembles', () => {
  it.each(Object.keys(FIXTURES.models))(
    '%s predicts what XGBoost predicted, to 1e-5',
    (objective) => {
      const { model: document, predictions } = FIXTURES.models[objective]!;
      const { model, featureNames } = gbdtFromXgboost(document);
      expect(featureNames).toEqual(FIXTURES.features);
      const scored = gbdt.predict(model, frame());
      expect(scored.width).toBe(predictions[0]!.length);
      let worst = 0;
      predictions
        .flat()
        .forEach((p, i) => (worst = Math.max(worst, Math.abs(p - scored.values[i]!))));
      expect(worst).toBeLessThan(1e-5);
      // It round-trips through Lakebox's own format unchanged.
      const again = gbdt.deserialize(JSON.parse(JSON.stringify(gbdt.serialize(model))));
      expect(gbdt.predict(again, frame()).values).toEqual(scored.values);
    },
  );

  it('refuses what it does not read, saying what', () => {
    expect(() => gbdtFromXgboost({ learner: {} })).toThrow(/not an XGBoost JSON model/);
    const model = structuredClone(FIXTURES.models['binary:logistic']!.model) as {
      learner: { objective: { name: string } };
    };
    model.learner.objective.name = 'rank:pairwise';
    expect(() => gbdtFromXgboost(model)).toThrow(/objective rank:pairwise is not read/);
  });
});
