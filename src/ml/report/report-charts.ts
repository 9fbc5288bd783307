/**
 * The report's charts as Vega-Lite specs: ROC and precision-recall curves of a binary model,
 * feature importance by gain, and residuals of a regression. Each is a function of stored
 * evaluation data only, so a chart can be redrawn from the artifact at any time.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CurvePoint } from '../evaluation/curves.js';

export type ChartName = 'roc' | 'pr' | 'importance' | 'residuals';

const SIZE = { width: 360, height: 300 };
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
/** Features shown in the importance chart, the largest first. */
export const TOP_FEATURES = 20;

const rate = (field: string, title: string) => ({
  field,
  type: 'quantitative' as const,
  title,
  scale: { domain: [0, 1] },
});

export function rocChart(curve: readonly CurvePoint[], auc: number | undefined): TopLevelSpec {
  return {
    $schema: SCHEMA,
    ...SIZE,
    title: `ROC curve${auc === undefined ? '' : ` (AUC ${auc.toFixed(3)})`}`,
    layer: [
      {
        data: {
          values: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: { x: rate('x', 'false positive rate'), y: rate('y', 'true positive rate') },
      },
      {
        data: { values: curve.map((p) => ({ fpr: p.fpr, tpr: p.tpr })) },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: { x: rate('fpr', 'false positive rate'), y: rate('tpr', 'true positive rate') },
      },
    ],
  };
}

export function precisionRecallChart(curve: readonly CurvePoint[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    ...SIZE,
    title: 'Precision-recall curve',
    data: { values: curve.map((p) => ({ recall: p.recall, precision: p.precision })) },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: { x: rate('recall', 'recall'), y: rate('precision', 'precision') },
  };
}

export function importanceChart(importance: Readonly<Record<string, number>>): TopLevelSpec {
  const rows = Object.entries(importance)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, TOP_FEATURES)
    .map(([feature, gain]) => ({ feature, gain }));
  return {
    $schema: SCHEMA,
    width: SIZE.width,
    height: { step: 18 },
    title: 'Feature importance (gain)',
    data: { values: rows },
    mark: 'bar',
    encoding: {
      y: { field: 'feature', type: 'nominal', sort: '-x', title: null },
      x: { field: 'gain', type: 'quantitative', title: 'total gain' },
    },
  };
}

export function residualsChart(
  sample: readonly { readonly actual: number; readonly predicted: number }[],
): TopLevelSpec {
  return {
    $schema: SCHEMA,
    ...SIZE,
    title: `Residuals (${sample.length} sampled test rows)`,
    layer: [
      {
        data: {
          values: sample.map((s) => ({ predicted: s.predicted, residual: s.actual - s.predicted })),
        },
        mark: { type: 'point', opacity: 0.5, size: 12 },
        encoding: {
          x: {
            field: 'predicted',
            type: 'quantitative',
            title: 'predicted',
            scale: { zero: false },
          },
          y: { field: 'residual', type: 'quantitative', title: 'actual - predicted' },
        },
      },
      {
        data: { values: [{ y: 0 }] },
        mark: { type: 'rule', color: '#999' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
    ],
  };
}
