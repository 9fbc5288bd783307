import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake.js';
import { tempLake } from '../support/temp-lake.js';

describe('quality gate through the lake quality service', () => {
  let lake: Lake;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ lake, cleanup } = await tempLake());
  });
  afterEach(() => cleanup());

  it('quarantines the rows failing a row-level rule of a stored ruleset', async () => {
    await lake.writeTable('raw.payments', {
      sql: 'select * from (values (1, 5), (2, -3), (3, 7)) v(id, amount)',
    });
    await lake.quality.createRuleset('payments_ok', 'Rules = [ ColumnValues "amount" >= 0 ]');
    await lake.jobs.create('pay', {
      sql: 'select * from raw.payments',
      target: 'curated.payments',
      quality: { ruleset: 'payments_ok', action: 'quarantine' },
    });
    const run = await lake.jobs.run('pay');
    expect(run).toMatchObject({
      status: 'succeeded',
      metrics: { rowsWritten: 2, quarantinedRows: 1 },
    });
    expect((await lake.query('select id from curated.payments_quarantine')).rows()).toEqual([
      { id: 2 },
    ]);
  });
});
