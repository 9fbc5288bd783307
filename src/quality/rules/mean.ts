import { columnStatistic } from './column-statistic.js';

/** `Mean "amount" between 10 and 20`. */
export const mean = columnStatistic('Mean', 'avg', 'mean');
