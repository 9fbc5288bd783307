import { columnStatistic } from './column-statistic.js';

/** `StandardDeviation "amount" < 100`: the population standard deviation, as Deequ and Glue compute it. */
export const standardDeviation = columnStatistic(
  'StandardDeviation',
  'stddev_pop',
  'standard deviation',
);
