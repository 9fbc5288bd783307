import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { InitOptions } from '../../src/lake.js';
import type { Lake } from '../../src/lake.js';
import { createTestDatabase, postgresMetadata } from '../support/postgres-server.js';
import { tempLake } from '../support/temp-lake.js';

const BACKENDS: Array<{ name: string; options: () => Promise<InitOptions> }> = [
  { name: 'SQLite', options: async () => ({}) },
  {
    name: 'PostgreSQL',
    options: async () => ({
      metadata: postgresMetadata(await createTestDatabase(inject('postgresUrl'))),
    }),
  },
];

describe.each(BACKENDS)('quality rulesets, runs and results on $name metadata', ({ options }) => {
  let lake: Lake;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ lake, cleanup } = await tempLake(await options()));
    await lake.writeTable('sales.orders', [
      { id: 1, amount: 10, status: 'new' },
      { id: 2, amount: 20, status: 'paid' },
      { id: 2, amount: -1, status: 'odd' },
    ]);
  });
  afterAll(() => cleanup());

  it('keeps rulesets as records: create, replace, list, get, delete', async () => {
    const created = await lake.quality.createRuleset('orders_basic', 'Rules = [ RowCount > 0 ]', {
      description: 'at least one order',
    });
    expect(created).toMatchObject({ name: 'orders_basic', description: 'at least one order' });
    await expect(
      lake.quality.createRuleset('orders_basic', 'Rules = [ RowCount > 1 ]'),
    ).rejects.toMatchObject({ code: 'RULESET_EXISTS' });
    const replaced = await lake.quality.createRuleset('orders_basic', 'Rules = [ RowCount > 1 ]', {
      replace: true,
    });
    expect(replaced).toMatchObject({
      rules: 'Rules = [ RowCount > 1 ]',
      description: 'at least one order',
    });
    await expect(
      lake.quality.createRuleset('broken', 'Rules = [ RowCount > ]'),
    ).rejects.toMatchObject({
      code: 'RULESET_PARSE_ERROR',
    });
    await expect(
      lake.quality.createRuleset('no good', 'Rules = [ RowCount > 0 ]'),
    ).rejects.toMatchObject({
      code: 'INVALID_IDENTIFIER',
    });
    await lake.quality.createRuleset('scratch', 'Rules = [ RowCount > 0 ]');
    expect((await lake.quality.listRulesets()).map((r) => r.name)).toEqual([
      'orders_basic',
      'scratch',
    ]);
    await lake.quality.deleteRuleset('scratch');
    await expect(lake.quality.getRuleset('orders_basi')).rejects.toMatchObject({
      code: 'RULESET_NOT_FOUND',
      message: expect.stringContaining('did you mean orders_basic?'),
    });
  });

  it('runs a ruleset as a quality run, stores the result and emits events', async () => {
    await lake.quality.createRuleset(
      'orders_strict',
      'Rules = [ RowCount = 3, IsUnique "id", ColumnValues "amount" >= 0, ColumnValues "status" in ["new","paid"] ]',
    );
    const { run, result } = await lake.quality.run('orders_strict', 'sales.orders');
    expect(run).toMatchObject({ kind: 'quality', status: 'succeeded_with_errors' });
    expect(run.metrics).toMatchObject({
      score: 0.25,
      rulesPassed: 1,
      rulesFailed: 3,
      rulesTotal: 4,
      rowCount: 3,
    });
    expect(result).toMatchObject({
      ruleset: 'orders_strict',
      target: 'sales.orders',
      runId: run.id,
      passed: false,
      score: 0.25,
      rowCount: 3,
    });
    expect(result!.snapshotId).toBe((await lake.describeTable('sales.orders')).snapshot!.id);
    expect(result!.outcomes[1]).toMatchObject({
      name: 'Rule_2',
      rule: 'IsUnique "id"',
      type: 'IsUnique',
      passed: false,
      rowLevel: true,
      failingRows: 2,
    });
    expect(result!.outcomes[2]!.sampleRows).toEqual([{ id: 2, amount: -1, status: 'odd' }]);

    const passing = await lake.quality.run('orders_basic', 'sales.orders');
    expect(passing.run.status).toBe('succeeded');
    expect(passing.result).toMatchObject({ passed: true, score: 1 });

    const stored = await lake.quality.results({ ruleset: 'orders_strict' });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toEqual(result);
    expect(await lake.quality.result(result!.id)).toEqual(result);
    expect((await lake.quality.results({ target: 'sales.orders' })).map((r) => r.ruleset)).toEqual([
      'orders_basic',
      'orders_strict',
    ]);
    expect((await lake.quality.results({ passed: false })).map((r) => r.id)).toEqual([result!.id]);

    const events = await lake.listEvents({ type: 'quality.*' });
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ['quality.failed', 'sales.orders'],
      ['quality.succeeded', 'sales.orders'],
    ]);
    expect(events[0]!.payload).toMatchObject({
      resultId: result!.id,
      ruleset: 'orders_strict',
      table: 'sales.orders',
      score: 0.25,
      runId: run.id,
    });
  });

  it('fails the run, with the error, when the rules cannot be evaluated', async () => {
    await lake.quality.createRuleset('typo', 'Rules = [ IsComplete "amout" ]');
    const { run, result } = await lake.quality.run('typo', 'sales.orders');
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'COLUMN_NOT_FOUND' });
    expect(run.error!.message).toContain('Column "amout" does not exist in sales.orders');
    expect(result).toBeUndefined();
    await expect(lake.quality.run('nope', 'sales.orders')).rejects.toMatchObject({
      code: 'RULESET_NOT_FOUND',
    });
  });

  it('gates a relation that is not committed: outcomes, row checks and a partition', async () => {
    {
      await lake.writeTable('crm.customers', [{ id: 1 }]);
      // A job's staged output: plain Parquet files outside the catalog.
      await lake.writeTable('scratch.staged', {
        sql: 'select * from (values (10, 5, 1), (11, -3, 1), (12, 7, 9), (12, 8, 1)) t(id, amount, customer_id)',
      });
      const files = await lake.services.catalog.files(
        await lake.services.catalog.getTable('scratch.staged'),
      );
      const relation = `select * from read_parquet([${files.map((f) => `'${join(lake.dir, f.path)}'`).join(', ')}])`;

      const report = await lake.quality.evaluate(
        {
          rules: `Rules = [ RowCount > 0, ColumnValues "amount" >= 0, IsUnique "id",
                   ReferentialIntegrity "customer_id" "crm.customers.id" = 1.0, Completeness "id" > 0.5 ]`,
        },
        { sql: relation, label: 'sales.payments (staged)' },
        { runId: 'run_job_1' },
      );
      expect(report).toMatchObject({
        target: 'sales.payments (staged)',
        snapshotId: null,
        rowCount: 4,
        passed: false,
      });
      expect(report.outcomes.map((o) => o.passed)).toEqual([true, false, false, false, true]);
      expect(report.rowChecks.map((c) => [c.name, c.passed])).toEqual([
        ['Rule_2', false],
        ['Rule_3', false],
        ['Rule_4', false],
        ['Rule_5', true],
      ]);
      const [stored] = await lake.quality.results({ target: 'sales.payments (staged)' });
      expect(stored).toMatchObject({ id: report.resultId, runId: 'run_job_1', ruleset: null });

      const { passing, quarantine } = lake.quality.partition(report, relation);
      expect((await lake.query(passing)).rows()).toEqual([{ id: 10, amount: 5, customer_id: 1 }]);
      const bad = (await lake.query(`${quarantine} order by id, amount`)).rows();
      expect(bad).toEqual([
        { id: 11, amount: -3, customer_id: 1, _failed_rules: ['ColumnValues "amount" >= 0'] },
        {
          id: 12,
          amount: 7,
          customer_id: 9,
          _failed_rules: [
            'IsUnique "id"',
            'ReferentialIntegrity "customer_id" "crm.customers.id" = 1.0',
          ],
        },
        { id: 12, amount: 8, customer_id: 1, _failed_rules: ['IsUnique "id"'] },
      ]);
      // A job writes both halves; together they are the relation.
      await lake.writeTable('sales.payments', { sql: passing });
      await lake.writeTable('sales.payments_quarantine', { sql: quarantine });
      const counts = await lake.query(
        'select (select count(*) from sales.payments) as good, (select count(*) from sales.payments_quarantine) as bad',
      );
      expect(counts.rows()).toEqual([{ good: 1, bad: 3 }]);
    }
  });
});
