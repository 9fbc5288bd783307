import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { InitOptions, Lake } from '../../src/lake.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempLake } from '../support/temp-lake.js';

const BACKENDS: Array<{ name: string; options: () => Promise<InitOptions> }> = [
  { name: 'sqlite', options: async () => ({}) },
  {
    name: 'postgres',
    options: async () => ({
      metadata: postgresMetadata(await createTestDatabase(inject('postgresUrl'))),
    }),
  },
];

// late = 1 mostly for evening flights and for one airport: learnable, not separable.
const FLIGHTS = `SELECT i AS id, (i * 37) % 24 AS hour, (i * 91) % 2000 + 100 AS distance,
  ['SFO','LAX','JFK','ORD'][i % 4 + 1] AS origin,
  CASE WHEN ((i * 37) % 24 > 16) OR (i % 4 = 2 AND (i * 13) % 10 < 6) THEN 1 ELSE 0 END AS late
  FROM range(3000) t(i)`;

describe.each(BACKENDS)('the model registry on $name metadata', ({ options }) => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake(await options()));
    await lake.writeTable('air.flights', { sql: FLIGHTS });
  }, 60_000);
  afterEach(() => cleanup());

  const train = (algorithm: 'gbdt' | 'logistic' = 'gbdt') =>
    lake.ml.train('delay', {
      table: 'air.flights',
      target: 'late',
      exclude: ['id'],
      algorithm,
      ...(algorithm === 'gbdt' ? { params: { rounds: 20 } } : {}),
    });

  it('registers each training as the next version, with its artifacts, the same bytes for the same inputs', async () => {
    const first = await train();
    const second = await train();
    expect([first.metrics['version'], second.metrics['version']]).toEqual([1, 2]);
    const versions = await lake.ml.versions('delay');
    expect(versions.map((v) => [v.version, v.status, v.origin, v.algorithm])).toEqual([
      [2, 'pending', 'trained', 'gbdt'],
      [1, 'pending', 'trained', 'gbdt'],
    ]);
    expect(versions[1]!.runId).toBe(first.id);
    expect(versions[1]!.metrics['auc']).toBe(first.metrics['auc']);
    const bytes = await Promise.all(
      versions.map((v) => readFile(join(dir, v.artifactKey), 'utf8')),
    );
    expect(bytes[0]).toBe(bytes[1]);
    const artifact = JSON.parse(bytes[0]!) as {
      features: Array<{ name: string; levels?: string[] }>;
      lineage: Record<string, unknown>;
    };
    expect(artifact.features.map((f) => f.name)).toEqual(['hour', 'distance', 'origin']);
    expect(artifact.features[2]!.levels).toEqual(expect.arrayContaining(['SFO', 'JFK']));
    expect(artifact.lineage).toMatchObject({ table: 'air.flights', seed: 1, lakebox: '0.1.0' });
    const onnx = await readFile(
      join(dir, versions[0]!.artifactKey.replace('model.json', 'model.onnx')),
    );
    expect(onnx.byteLength).toBeGreaterThan(100);
    expect(await lake.ml.models()).toEqual([
      expect.objectContaining({ name: 'delay', versions: 2, latest: 2, aliases: {} }),
    ]);
    const events = await lake.events.list({ type: 'model.version.registered' });
    expect(events.map((e) => e.subject)).toEqual(['delay:1', 'delay:2']);
    // A report finds the model by version ref as by run id.
    const report = await lake.ml.report('delay:1');
    expect(report.charts.roc).toBe(versions[1]!.artifactKey.replace('model.json', 'roc.svg'));
  }, 60_000);

  it('approves, rejects and moves aliases atomically, refusing a move whose expectation fails, with every attempt audited', async () => {
    await train('logistic');
    await train('logistic');
    await lake.ml.setStatus('delay:1', 'approved');
    expect((await lake.ml.version('delay:1')).status).toBe('approved');
    await lake.ml.moveAlias('delay', 'production', 1, { expect: null, by: 'ana' });
    expect((await lake.ml.version('delay@production')).version).toBe(1);
    await expect(
      lake.ml.moveAlias('delay', 'production', 2, { expect: null, by: 'bob' }),
    ).rejects.toMatchObject({
      code: 'MODEL_ALIAS_CONFLICT',
      message: expect.stringContaining('it holds version 1, not none'),
    });
    const moved = await lake.ml.moveAlias('delay', 'production', 2, { expect: 1, by: 'ana' });
    expect(moved).toMatchObject({ from: 1, to: 2, outcome: 'moved' });
    expect((await lake.ml.version('delay@production')).aliases).toEqual(['production']);
    expect(
      (await lake.ml.aliasHistory('delay')).map((m) => [m.by, m.from, m.to, m.outcome]),
    ).toEqual([
      ['ana', null, 1, 'moved'],
      ['bob', 1, 2, 'refused'],
      ['ana', 1, 2, 'moved'],
    ]);
    const events = await lake.events.list({ type: 'model.alias.moved' });
    expect(events.map((e) => e.payload)).toEqual([
      expect.objectContaining({ from: null, to: 1 }),
      expect.objectContaining({ from: 1, to: 2 }),
    ]);

    await lake.ml.setStatus('delay:1', 'rejected');
    await expect(lake.ml.moveAlias('delay', 'staging', 1)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('rejected'),
    });
    await expect(lake.ml.version('delya:1')).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      message: expect.stringContaining('delay'),
    });
    await expect(lake.ml.version('delay:9')).rejects.toMatchObject({
      code: 'MODEL_VERSION_NOT_FOUND',
    });
    await expect(lake.ml.version('delay@staging')).rejects.toMatchObject({
      code: 'MODEL_VERSION_NOT_FOUND',
      message: expect.stringContaining('production'),
    });
    await expect(lake.ml.version('delay/1')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const compared = await lake.ml.compare('delay:1', 'delay:2');
    expect(compared.metrics.find((m) => m.name === 'auc')).toMatchObject({ delta: 0 });
  }, 60_000);

  it('predicts records by ref as the rows of the table score, and names missing features', async () => {
    await train('logistic');
    const rows = (
      await lake.query('SELECT hour, distance, origin FROM air.flights ORDER BY id LIMIT 50')
    ).rows();
    const scored = await lake.ml.predict('delay', rows);
    expect(scored.version.version).toBe(1);
    expect(scored.width).toBe(1);
    expect(scored.values).toHaveLength(50);
    const evening = await lake.ml.predict('delay:1', [
      { hour: 22, distance: 500, origin: 'SFO' },
      { hour: 3, distance: 500, origin: 'SFO' },
      { hour: 3, distance: 500, origin: 'NEW' },
    ]);
    expect(evening.values[0]!).toBeGreaterThan(evening.values[1]!);
    expect(Number.isFinite(evening.values[2]!)).toBe(true);
    await expect(lake.ml.predict('delay', [{ hour: 1 }])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('distance, origin'),
    });
  }, 60_000);
});
