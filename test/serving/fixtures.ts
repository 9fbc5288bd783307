import type { Lake } from '../../src/lake.js';

// late = 1 mostly for evening flights and for one airport: learnable, not separable.
export const FLIGHTS = `SELECT i AS id, (i * 37) % 24 AS hour, (i * 91) % 2000 + 100 AS distance,
  ['SFO','LAX','JFK','ORD'][i % 4 + 1] AS origin,
  CASE WHEN ((i * 37) % 24 > 16) OR (i % 4 = 2 AND (i * 13) % 10 < 6) THEN 1 ELSE 0 END AS late
  FROM range(2000) t(i)`;

/** A flights table and two real versions of model `delay`: gbdt (1) and logistic (2). */
export async function trainDelay(lake: Lake): Promise<void> {
  await lake.writeTable('air.flights', { sql: FLIGHTS });
  const base = { table: 'air.flights', target: 'late', exclude: ['id'] };
  await lake.ml.train('delay', { ...base, algorithm: 'gbdt', params: { rounds: 10 } });
  await lake.ml.train('delay', { ...base, algorithm: 'logistic' });
}

export const RECORD = { hour: 20, distance: 900, origin: 'JFK' };
