import { columnStatistic } from './column-statistic.js';

/** `Sum "amount" > 0`. */
export const sum = columnStatistic('Sum', 'sum', 'sum');
