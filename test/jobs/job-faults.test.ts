import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobService } from '../../src/jobs/job-service.js';
import type { QualityGate } from '../../src/jobs/quality-gate.js';
import { Lake } from '../../src/lake.js';
import { printed, spawnScript } from '../support/spawn-node.js';
import { tempLake } from '../support/temp-lake.js';

describe('job faults: crashes, races, quality gates', () => {
  let lake: Lake;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ lake, dir, cleanup } = await tempLake());
  });
  afterEach(() => cleanup());

  const ids = async (table: string) =>
    (await lake.query(`select id from ${table} order by id`)).rows().map((r) => r['id']);

  it('a run SIGKILLed before its commit leaves the target and the bookmark as the last successful run left them', async () => {
    await lake.writeTable('raw.clicks', { sql: 'select range as id from range(3)' });
    await lake.jobs.create('copy_clicks', {
      sql: 'select id from raw.clicks',
      target: 'curated.clicks',
      bookmarks: true,
    });
    const first = await lake.jobs.run('copy_clicks');
    expect(first.status).toBe('succeeded');
    await lake.writeTable('raw.clicks', { sql: 'select range + 3 as id from range(2)' });
    const before = await lake.history('curated.clicks');
    const bookmark = await lake.jobs.bookmark('copy_clicks');

    const child = spawnScript('fixtures/job-crash-before-commit.ts', [dir, 'copy_clicks']);
    await printed(child, 'staged');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));

    expect(await lake.history('curated.clicks')).toEqual(before);
    expect(await ids('curated.clicks')).toEqual([0, 1, 2]);
    expect(await lake.jobs.bookmark('copy_clicks')).toEqual(bookmark);

    // The next process on this host fails the dead run (WORKER_LOST) and runs the job again.
    await lake.close();
    lake = await Lake.open(dir);
    await lake.writeTable('raw.clicks', { sql: 'select 5 as id' });
    const next = await lake.jobs.run('copy_clicks');
    expect(next.metrics).toMatchObject({ rowsRead: 3, rowsWritten: 3 });
    expect(await ids('curated.clicks')).toEqual([0, 1, 2, 3, 4, 5]); // nothing skipped, nothing twice
    const runs = await lake.jobs.runs('copy_clicks');
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(runs[1]!.error?.code).toBe('WORKER_LOST');
  }, 60_000);

  it('two merge runs racing on one table both land: the loser retries on the new snapshot', async () => {
    await lake.writeTable('curated.stock', { sql: 'select range as id, 0 as qty from range(4)' });
    await lake.close();
    let arrived = 0;
    let release!: () => void;
    const bothStaged = new Promise<void>((resolve) => (release = resolve));
    const seen = new Set<string>();
    lake = await Lake.open(dir);
    const jobs = new JobService(lake.services, {
      hooks: {
        // Hold each run's first attempt until both have staged their files, so both plan
        // from the same snapshot and one commit must conflict.
        beforeCommit: async ({ runId }) => {
          if (seen.has(runId)) return;
          seen.add(runId);
          if (++arrived === 2) release();
          await bothStaged;
        },
      },
    });
    await jobs.create('set_one', {
      sql: 'select 1 as id, 10 as qty',
      target: 'curated.stock',
      mode: 'merge',
      mergeKeys: ['id'],
    });
    await jobs.create('set_two', {
      sql: 'select 2 as id, 20 as qty',
      target: 'curated.stock',
      mode: 'merge',
      mergeKeys: ['id'],
    });
    const [a, b] = await Promise.all([jobs.run('set_one'), jobs.run('set_two')]);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    expect((await lake.query('select id, qty from curated.stock order by id')).rows()).toEqual([
      { id: 0, qty: 0 },
      { id: 1, qty: 10 },
      { id: 2, qty: 20 },
      { id: 3, qty: 0 },
    ]);
    expect((await lake.history('curated.stock')).map((s) => s.operation)).toEqual([
      'merge',
      'merge',
      'append',
    ]);
  });

  describe('quality gate', () => {
    // The quality module's evaluator is built by another engineer; this gate stands in for
    // it with the same contract: a rule with a plain failing-rows predicate.
    const gate: QualityGate = {
      async evaluate({ relation }) {
        void relation;
        return {
          passed: false,
          rules: [
            { rule: 'RowCount > 0', passed: true, rowLevel: false },
            {
              rule: 'ColumnValues "amount" >= 0',
              passed: false,
              rowLevel: true,
              failingRows: 'amount < 0',
            },
          ],
        };
      },
    };
    let jobs: JobService;
    beforeEach(async () => {
      await lake.writeTable('raw.payments', {
        sql: 'select * from (values (1, 5), (2, -3), (3, 7)) v(id, amount)',
      });
      await lake.close();
      lake = await Lake.open(dir);
      jobs = new JobService(lake.services, { qualityGate: gate });
    });

    it('fail: nothing committed, the failed rule named', async () => {
      await jobs.create('pay', {
        sql: 'select * from raw.payments',
        target: 'curated.payments',
        quality: { ruleset: 'payments_ok', action: 'fail' },
      });
      const run = await jobs.run('pay');
      expect(run).toMatchObject({ status: 'failed', error: { code: 'QUALITY_GATE_FAILED' } });
      expect(run.error?.message).toContain('ColumnValues "amount" >= 0');
      expect(await lake.services.catalog.findTable('curated.payments')).toBeUndefined();
    });

    it('quarantine: failing rows to <table>_quarantine with the rule, the rest commits', async () => {
      await jobs.create('pay', {
        sql: 'select * from raw.payments',
        target: 'curated.payments',
        quality: { ruleset: 'payments_ok', action: 'quarantine' },
      });
      const run = await jobs.run('pay');
      expect(run.metrics).toMatchObject({ rowsWritten: 2, quarantinedRows: 1 });
      expect(await ids('curated.payments')).toEqual([1, 3]);
      expect(
        (await lake.query('select id, _failed_rules from curated.payments_quarantine')).rows(),
      ).toEqual([{ id: 2, _failed_rules: 'ColumnValues "amount" >= 0' }]);
    });

    it('warn: everything commits, the failure is logged', async () => {
      await jobs.create('pay', {
        sql: 'select * from raw.payments',
        target: 'curated.payments',
        quality: { ruleset: 'payments_ok', action: 'warn' },
      });
      const run = await jobs.run('pay');
      expect(run.metrics['rowsWritten']).toBe(3);
      const logs = await jobs.logs(run.id);
      expect(logs.some((l) => l.level === 'warn' && l.message.includes('FAILED'))).toBe(true);
    });
  });
});
