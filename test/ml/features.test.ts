import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { withTableSession } from '../../src/engine/table-session.js';
import { planFeatures } from '../../src/ml/features/feature-plan.js';
import { readFeatures } from '../../src/ml/features/read-features.js';
import { splitRows } from '../../src/ml/features/split-rows.js';
import { tempLake } from '../support/temp-lake.js';

let lake: Lake;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ lake, cleanup } = await tempLake());
  await lake.writeTable('m.rows', {
    sql: `SELECT i AS id, i * 1.5 AS amount, CASE WHEN i % 7 = 0 THEN NULL WHEN i % 5 = 0 THEN 'inf'::DOUBLE ELSE i % 3 END AS score,
      ['a','b','c'][i % 3 + 1] AS colour, 'x' || i AS code, NULL::INTEGER AS empty, 1 AS one,
      TIMESTAMP '2024-01-01' + INTERVAL (i) HOUR AS at, i % 2 = 0 AS label
      FROM range(100) t(i)`,
  });
});
afterEach(() => cleanup());

async function session<T>(
  fn: (s: Parameters<Parameters<typeof withTableSession>[2]>[0]) => Promise<T>,
): Promise<T> {
  const queries = await lake.services.queries();
  const ref = { schema: 'm', name: 'rows' };
  return withTableSession(queries, [await queries.pin(ref, {})], fn);
}

describe('features from a lake table', () => {
  it('chooses, encodes and reads typed columns, reporting what it left out', async () => {
    await session(async (s) => {
      const plan = await planFeatures(s, 'SELECT * FROM m.rows', {
        target: 'label',
        exclude: ['id'],
        maxLevels: 10,
      });
      expect(plan.problem).toBe('binary');
      expect(plan.classes).toEqual(['false', 'true']);
      expect(plan.skipped).toEqual([
        { column: 'empty', reason: 'all values are null' },
        { column: 'one', reason: 'it has one value only' },
      ]);
      expect(plan.capped).toEqual([{ feature: 'code', levels: 100, kept: 10 }]);
      expect(plan.features.map((f) => f.name)).toEqual([
        'amount',
        'score',
        'at_year',
        'at_month',
        'at_day',
        'at_weekday',
        'at_hour',
        'colour',
        'code',
      ]);
      const read = await readFeatures(s, 'SELECT * FROM m.rows', plan.features, {
        target: { column: 'label', classes: plan.classes! },
      });
      expect(read.frame.rows).toBe(100);
      const score = read.frame.features[1]!;
      expect(score.values).toBeInstanceOf(Float64Array);
      expect(Number.isNaN(score.values[0])).toBe(true); // NULL
      expect(Number.isNaN(score.values[5])).toBe(true); // infinity is read as missing
      expect(score.values[1]).toBe(1);
      const colour = read.frame.features[7]!;
      expect(colour.values).toBeInstanceOf(Int32Array);
      expect(read.frame.features[6]!.values[25]).toBe(1); // hour of 2024-01-02 01:00
      expect(Array.from(read.target!.slice(0, 4))).toEqual([1, 0, 1, 0]);
      // Split: seeded, repeatable, and everything is in exactly one set.
      const data = { ...read.frame, target: read.target! };
      const a = splitRows(data, { method: 'random' }, 42);
      const b = splitRows(data, { method: 'random' }, 42);
      expect(a.train.rows + a.validation.rows + a.test.rows).toBe(100);
      expect(Array.from(a.test.target!)).toEqual(Array.from(b.test.target!));
    });
  });

  it('refuses a constant or missing target with a clear error', async () => {
    await session(async (s) => {
      await expect(planFeatures(s, 'SELECT * FROM m.rows', { target: 'one' })).rejects.toThrow(
        /one value only/,
      );
      await expect(planFeatures(s, 'SELECT * FROM m.rows', { target: 'empty' })).rejects.toThrow(
        /no values/,
      );
      await expect(
        planFeatures(s, 'SELECT * FROM m.rows', { target: 'labl' }),
      ).rejects.toMatchObject({ code: 'COLUMN_NOT_FOUND' });
    });
  });
});
