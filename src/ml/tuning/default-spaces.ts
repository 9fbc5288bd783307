import type { AlgorithmName } from '../algorithms/algorithms.js';
import type { SearchSpace } from './search-space.js';

/**
 * Where tuning looks when no space is declared: the parameters that move each algorithm's
 * validation metric most, over the ranges practitioners search (XGBoost's and
 * scikit-learn's documentation and common practice). Unsupervised algorithms have none.
 */
export const DEFAULT_SPACES: Record<AlgorithmName, SearchSpace> = {
  gbdt: {
    learningRate: { min: 0.03, max: 0.3, log: true },
    maxDepth: { min: 3, max: 10, integer: true },
    minChildWeight: { min: 0.5, max: 20, log: true },
    lambda: { min: 0.01, max: 10, log: true },
    subsample: { min: 0.6, max: 1 },
    colsample: { min: 0.6, max: 1 },
  },
  logistic: { l2: { min: 1e-4, max: 100, log: true } },
  linear: { l2: { min: 1e-4, max: 100, log: true } },
  kmeans: { k: { min: 2, max: 16, integer: true } },
  iforest: {},
};
