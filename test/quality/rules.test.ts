import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

// Each rule type with a rule that passes on the clean table and one that fails on the dirty
// one; `failing` is the failing row count a row-level rule must report (null: not row-level).
const CASES: Array<{ type: string; pass: string; fail: string; failing: number | null }> = [
  { type: 'RowCount', pass: 'RowCount = 4', fail: 'RowCount > 4', failing: null },
  {
    type: 'RowCount between',
    pass: 'RowCount between 1 and 4',
    fail: 'RowCount between 5 and 9',
    failing: null,
  },
  { type: 'ColumnCount', pass: 'ColumnCount = 7', fail: 'ColumnCount < 7', failing: null },
  {
    type: 'ColumnExists',
    pass: 'ColumnExists "email"',
    fail: 'ColumnExists "phone"',
    failing: null,
  },
  { type: 'IsComplete', pass: 'IsComplete "email"', fail: 'IsComplete "email"', failing: 1 },
  {
    type: 'Completeness',
    pass: 'Completeness "email" > 0.95',
    fail: 'Completeness "email" > 0.8',
    failing: 1,
  },
  { type: 'IsUnique', pass: 'IsUnique "id"', fail: 'IsUnique "id"', failing: 2 },
  { type: 'Uniqueness', pass: 'Uniqueness "id" = 1.0', fail: 'Uniqueness "id" > 0.5', failing: 2 },
  { type: 'IsPrimaryKey', pass: 'IsPrimaryKey "id"', fail: 'IsPrimaryKey "id"', failing: 3 },
  {
    type: 'IsPrimaryKey (two columns)',
    pass: 'IsPrimaryKey "id" "code"',
    fail: 'IsPrimaryKey "status" "customer_id"',
    failing: 1,
  },
  {
    type: 'DistinctValuesCount',
    pass: 'DistinctValuesCount "status" = 2',
    fail: 'DistinctValuesCount "status" = 2',
    failing: null,
  },
  {
    type: 'ColumnValues between',
    pass: 'ColumnValues "amount" between 0 and 10000',
    fail: 'ColumnValues "amount" between 0 and 10000',
    failing: 2,
  },
  {
    type: 'ColumnValues in',
    pass: 'ColumnValues "status" in ["new","paid"]',
    fail: 'ColumnValues "status" in ["new","paid"]',
    failing: 1,
  },
  {
    type: 'ColumnValues not in',
    pass: 'ColumnValues "status" not in ["lost"]',
    fail: 'ColumnValues "status" not in ["lost"]',
    failing: 1,
  },
  {
    type: 'ColumnValues matches',
    pass: 'ColumnValues "code" matches "[A-Z]{3}"',
    fail: 'ColumnValues "code" matches "[A-Z]{3}"',
    failing: 2,
  },
  {
    type: 'ColumnValues comparison',
    pass: 'ColumnValues "amount" >= 10',
    fail: 'ColumnValues "amount" != 40',
    failing: 1,
  },
  {
    type: 'ColumnValues with threshold',
    pass: 'ColumnValues "amount" > 0 with threshold > 0.7',
    fail: 'ColumnValues "amount" > 0 with threshold > 0.8',
    failing: 1,
  },
  {
    type: 'ColumnLength',
    pass: 'ColumnLength "code" = 3',
    fail: 'ColumnLength "code" = 3',
    failing: 2,
  },
  {
    type: 'ColumnLength between',
    pass: 'ColumnLength "code" between 3 and 3',
    fail: 'ColumnLength "code" between 3 and 4',
    failing: 1,
  },
  {
    type: 'Freshness',
    pass: 'Freshness "updated_at" <= 24 hours',
    fail: 'Freshness "updated_at" <= 24 hours',
    failing: 2,
  },
  {
    type: 'DataFreshness',
    pass: 'DataFreshness "updated_at" between 0 minutes and 1 days',
    fail: 'DataFreshness "updated_at" > 2 hours',
    failing: 3,
  },
  {
    type: 'ReferentialIntegrity',
    pass: 'ReferentialIntegrity "customer_id" "crm.customers.id" = 1.0',
    fail: 'ReferentialIntegrity "customer_id" "crm.customers.id" = 1.0',
    failing: 1,
  },
  {
    type: 'CustomSql',
    pass: 'CustomSql "select count(*) from primary where amount < 0" = 0',
    fail: 'CustomSql "select count(*) from primary where amount < 0" = 0',
    failing: null,
  },
  {
    type: 'Mean',
    pass: 'Mean "amount" between 50 and 150',
    fail: 'Mean "amount" < 1000',
    failing: null,
  },
  { type: 'Sum', pass: 'Sum "amount" = 399.5', fail: 'Sum "amount" < 0', failing: null },
  {
    type: 'StandardDeviation',
    pass: 'StandardDeviation "amount" < 100',
    fail: 'StandardDeviation "amount" < 100',
    failing: null,
  },
  {
    type: 'and (row-level)',
    pass: '(IsComplete "email") and (IsUnique "id")',
    fail: '(IsComplete "email") and (IsUnique "id")',
    failing: 2,
  },
  {
    type: 'or (row-level)',
    pass: '(Freshness "updated_at" <= 24 hours) or (ColumnValues "updated_at" = NULL)',
    fail: '(Freshness "updated_at" <= 24 hours) or (ColumnValues "updated_at" = NULL)',
    failing: 1,
  },
  {
    type: 'and (dataset-level)',
    pass: '(RowCount > 0) and (Mean "amount" < 1000)',
    fail: '(RowCount > 0) and (Mean "amount" < 1000)',
    failing: null,
  },
  {
    type: 'or (dataset-level)',
    pass: '(RowCount > 9) or (Sum "amount" > 0)',
    fail: '(RowCount > 9) or (Sum "amount" < 0)',
    failing: null,
  },
];

describe('rule types against real DuckDB and SQLite', () => {
  let lake: Lake;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ lake, cleanup } = await tempLake());
    await lake.writeTable('crm.customers', [{ id: 1 }, { id: 2 }]);
    const row = (
      id: number | null,
      customer: number | null,
      amount: number,
      status: string,
      code: string,
      email: string | null,
      updated: string | null,
    ) => ({ id, customer_id: customer, amount, status, code, email, updated_at: updated });
    await lake.writeTable('shop.clean', [
      row(1, 1, 10.0, 'new', 'ABC', 'a@x.io', hoursAgo(1)),
      row(2, 2, 250.5, 'paid', 'DEF', 'b@x.io', hoursAgo(2)),
      row(3, 1, 99.0, 'paid', 'GHI', 'c@x.io', hoursAgo(3)),
      row(4, 2, 40.0, 'new', 'JKL', 'd@x.io', hoursAgo(0.5)),
    ]);
    await lake.writeTable('shop.dirty', [
      row(1, 1, 10.0, 'new', 'ABC', 'a@x.io', hoursAgo(1)),
      row(2, 9, 20000.5, 'lost', 'ABCD', null, hoursAgo(120)),
      row(2, 2, -5.0, 'paid', 'XY', 'c@x.io', null),
      row(null, null, 40.0, 'new', 'JKL', 'd@x.io', hoursAgo(0.2)),
    ]);
  });
  afterAll(() => cleanup());

  const evaluate = (rule: string, table: string) =>
    lake.quality.evaluate({ rules: `Rules = [ ${rule} ]` }, { table }, { record: false });

  it.each(CASES)(
    '$type passes on good data and fails on bad data',
    async ({ pass, fail, failing }) => {
      const good = await evaluate(pass, 'shop.clean');
      expect(good.outcomes[0], good.outcomes[0]!.message).toMatchObject({
        passed: true,
        sampleRows: [],
      });
      expect(good).toMatchObject({ passed: true, score: 1, rowCount: 4 });

      const bad = await evaluate(fail, 'shop.dirty');
      const outcome = bad.outcomes[0]!;
      expect(outcome.passed, outcome.message).toBe(false);
      expect(bad).toMatchObject({ passed: false, score: 0 });
      expect(outcome.failingRows).toBe(failing);
      expect(outcome.rowLevel).toBe(failing !== null);
      if (failing !== null) {
        expect(outcome.sampleRows).toHaveLength(Math.min(5, failing));
        expect(Object.keys(outcome.sampleRows[0]!)).toEqual([
          'id',
          'customer_id',
          'amount',
          'status',
          'code',
          'email',
          'updated_at',
        ]);
        expect(bad.rowChecks).toHaveLength(1);
      }
    },
  );

  it('reports observed values', async () => {
    const report = await lake.quality.evaluate(
      {
        rules: `Rules = [ RowCount > 0, Completeness "email" > 0.8, Mean "amount" > 0, Uniqueness "id" > 0.5,
                 ReferentialIntegrity "customer_id" "crm.customers.id" >= 0.5, CustomSql "select max(amount) from primary" > 0 ]`,
      },
      { table: 'shop.dirty' },
      { record: false },
    );
    expect(report.outcomes.map((o) => o.observed)).toEqual([
      4,
      0.75,
      5011.375,
      1 / 3,
      2 / 3,
      20000.5,
    ]);
    expect(report.outcomes.map((o) => o.name)).toEqual([
      'Rule_1',
      'Rule_2',
      'Rule_3',
      'Rule_4',
      'Rule_5',
      'Rule_6',
    ]);
    expect(report).toMatchObject({ rulesPassed: 4, rulesTotal: 6, score: 4 / 6, passed: false });
  });

  it('keeps at most five sample rows', async () => {
    await lake.writeTable(
      'shop.many',
      Array.from({ length: 12 }, (_, i) => ({ id: i, v: null as number | null })).map((r) => ({
        ...r,
        v: r.id < 2 ? 1 : null,
      })),
    );
    const report = await evaluate('IsComplete "v"', 'shop.many');
    expect(report.outcomes[0]).toMatchObject({ passed: false, failingRows: 10 });
    expect(report.outcomes[0]!.sampleRows).toHaveLength(5);
  });

  it('names an unknown column and its table', async () => {
    await expect(evaluate('IsComplete "emial"', 'shop.dirty')).rejects.toMatchObject({
      code: 'COLUMN_NOT_FOUND',
      message: expect.stringMatching(
        /^Column "emial" does not exist in shop\.dirty \(rule IsComplete "emial", line 1, column 11\); did you mean email\?$/,
      ),
    });
    await expect(
      evaluate('ReferentialIntegrity "customer_id" "crm.customers.key" = 1.0', 'shop.dirty'),
    ).rejects.toMatchObject({
      code: 'COLUMN_NOT_FOUND',
      message: expect.stringContaining('in crm.customers'),
    });
    await expect(
      evaluate('ReferentialIntegrity "customer_id" "crm.clients.id" = 1.0', 'shop.dirty'),
    ).rejects.toMatchObject({ code: 'TABLE_NOT_FOUND' });
    await expect(evaluate('IsComplete "id"', 'shop.nothing')).rejects.toMatchObject({
      code: 'TABLE_NOT_FOUND',
    });
  });

  it('refuses rules that cannot apply, pointing at them', async () => {
    await expect(evaluate('Mean "status" > 0', 'shop.dirty')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(
        /Mean needs a numeric column; status of shop\.dirty is VARCHAR/,
      ),
    });
    await expect(evaluate('Freshness "updated_at" <= 24', 'shop.dirty')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/give each value a unit/),
    });
    await expect(evaluate('RowCount > "many"', 'shop.dirty')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(
      evaluate('ReferentialIntegrity "customer_id" "customers" = 1', 'shop.dirty'),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/DATABASE\.TABLE\.COLUMN/),
    });
  });

  it('reports CustomSql errors and shapes with the rule', async () => {
    await expect(
      evaluate('CustomSql "select count(*) from primary where nope > 0" = 0', 'shop.dirty'),
    ).rejects.toMatchObject({
      code: 'SQL_ERROR',
      message: expect.stringMatching(
        /^Rule CustomSql "select count\(\*\) from primary where nope > 0" = 0 failed: .*nope/,
      ),
    });
    await expect(
      evaluate('CustomSql "select id from primary" = 0', 'shop.dirty'),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/must yield one number .* gave 4 row\(s\)/),
    });
  });

  it('evaluates a table as of an earlier snapshot', async () => {
    const first = await lake.writeTable('shop.growing', [{ id: 1 }]);
    await lake.writeTable('shop.growing', [{ id: 1 }]);
    const now = await evaluate('IsUnique "id"', 'shop.growing');
    expect(now).toMatchObject({ passed: false, rowCount: 2 });
    const before = await lake.quality.evaluate(
      {
        rules:
          'Rules = [ IsUnique "id", RowCount = 1, CustomSql "select count(*) from primary" = 1 ]',
      },
      { table: 'shop.growing', asOf: first.snapshot.id },
      { record: false },
    );
    expect(before).toMatchObject({ passed: true, rowCount: 1, snapshotId: first.snapshot.id });
  });
});
