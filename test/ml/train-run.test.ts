import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';

let lake: Lake;
let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ lake, dir, cleanup } = await tempLake());
  // late = 1 mostly for long, evening flights from one airport: learnable, not separable.
  await lake.writeTable('air.flights', {
    sql: `SELECT i AS id, (i * 37) % 24 AS hour, (i * 91) % 2000 + 100 AS distance,
      ['SFO','LAX','JFK','ORD'][i % 4 + 1] AS origin,
      CASE WHEN ((i * 37) % 24 > 16) OR (i % 4 = 2 AND (i * 13) % 10 < 6) OR (i * 7919) % 11 = 0 THEN 1 ELSE 0 END AS late
      FROM range(4000) t(i)`,
  });
});
afterEach(() => cleanup());

describe('lake.ml.train', () => {
  it('trains a logistic model as a run, evaluates it on test rows and stores the artifact', async () => {
    const run = await lake.ml.train('delay', {
      table: 'air.flights',
      target: 'late',
      exclude: ['id'],
      algorithm: 'logistic',
    });
    expect(run.status).toBe('succeeded');
    expect(run.kind).toBe('train');
    expect(run.metrics['auc']).toBeGreaterThan(0.8);
    expect(
      run.metrics['rowsTrain']! + run.metrics['rowsValidation']! + run.metrics['rowsTest']!,
    ).toBe(4000);
    const artifact = JSON.parse(
      await readFile(join(dir, 'models', 'delay', run.id, 'model.json'), 'utf8'),
    ) as {
      features: Array<{ name: string }>;
      lineage: { snapshots: Array<{ snapshotId: number }> };
    };
    expect(artifact.features.map((f) => f.name)).toEqual(['hour', 'distance', 'origin']);
    expect(artifact.lineage.snapshots[0]!.snapshotId).toBeGreaterThan(0);
  });

  it('fails the run with a clear error for a constant target', async () => {
    const run = await lake.ml.train('bad', {
      sql: 'SELECT hour, 1 AS y FROM air.flights',
      target: 'y',
    });
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(run.error!.message).toMatch(/one value only/);
  });

  it('takes 100,000 levels, NaN and infinity in its stride: capped levels logged, every metric finite', async () => {
    await lake.writeTable('air.wide', {
      sql: `SELECT 'code_' || i AS code,
        CASE WHEN i % 7 = 0 THEN 'NaN'::DOUBLE WHEN i % 11 = 0 THEN 'inf'::DOUBLE ELSE (i * 37) % 24 END AS hour,
        CASE WHEN (i * 37) % 24 > 16 THEN 1 ELSE 0 END AS late
        FROM range(100000) t(i)`,
    });
    const run = await lake.ml.train('wide', {
      table: 'air.wide',
      target: 'late',
      algorithm: 'gbdt',
      params: { rounds: 10 },
    });
    expect(run.status).toBe('succeeded');
    for (const [name, value] of Object.entries(run.metrics))
      expect(Number.isFinite(value), `${name} = ${value}`).toBe(true);
    const logs = await lake.runs.logs(run.id);
    expect(logs.map((l) => l.message).join('\n')).toMatch(
      /code: kept the \d+ most frequent of 100000 levels/,
    );
  }, 60_000);

  it('fails the run, naming the cause, for an empty input', async () => {
    await lake.writeTable('air.none', { sql: 'SELECT 1 AS hour, 0 AS late WHERE false' });
    const run = await lake.ml.train('none', { table: 'air.none', target: 'late' });
    expect(run.status).toBe('failed');
    expect(run.error!.message).toMatch(/no values|no rows/);
    expect(await lake.ml.models()).toEqual([]);
  });
});
