// A ruleset of 10 rules over 3 million rows (target: under 2 seconds): the aggregate rules
// share one scan, so the figure is compared with that one scan run alone in the same lake.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lake } from '../src/lake.js';
import { figure, median, ms, timed } from './measure.js';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 3_000_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const RULES = `Rules = [
  RowCount > 0,
  IsComplete "id",
  IsUnique "id",
  ColumnValues "amount" between 0 and 10000,
  ColumnValues "status" in ["new", "paid", "shipped"],
  Completeness "email" > 0.95,
  ColumnLength "code" = 3,
  Freshness "updated_at" <= 400 days,
  Mean "amount" between 100 and 5000,
  CustomSql "select count(*) from primary where amount < 0" = 0
]`;

const dir = await mkdtemp(join(tmpdir(), 'lakebox-bench-quality-'));
const lake = await Lake.init(dir);
try {
  const load = await timed(() =>
    lake.writeTable('bench.orders', {
      sql: `select range as id, (range % 9973) * 0.37 as amount,
              ['new', 'paid', 'shipped'][(range % 3) + 1] as status,
              case when range % 50 = 0 then null else 'u' || range || '@x.io' end as email,
              chr(65 + (range % 26)::integer) || 'X' || chr(65 + (range % 7)::integer) as code,
              now()::timestamp - to_seconds(range % 31536000) as updated_at
            from range(${ROWS})`,
    }),
  );
  figure(`write ${ROWS.toLocaleString()} rows`, ms(load.ms));
  await lake.quality.createRuleset('bench', RULES);

  const anchorSql = 'select count(*), count(id), avg(amount), count(distinct id) from bench.orders';
  await lake.query(anchorSql); // warm the file and metadata caches
  await lake.quality.evaluate({ ruleset: 'bench' }, { table: 'bench.orders' }, { record: false });
  const scans: number[] = [];
  const evaluations: number[] = [];
  const runs: number[] = [];
  let score = 0;
  for (let i = 0; i < RUNS; i++) {
    scans.push((await timed(() => lake.query(anchorSql))).ms);
    const evaluated = await timed(() =>
      lake.quality.evaluate({ ruleset: 'bench' }, { table: 'bench.orders' }, { record: false }),
    );
    evaluations.push(evaluated.ms);
    score = evaluated.value.score;
    runs.push((await timed(() => lake.quality.run('bench', 'bench.orders'))).ms);
  }
  figure('one aggregate scan with count(distinct), median', ms(median(scans)));
  figure('10 rules, lake.quality.evaluate, median', ms(median(evaluations)));
  figure('10 rules, as a quality run (stored), median', ms(median(runs)));
  figure('target: under 2000 ms', median(runs) < 2000 ? 'met' : 'NOT met');
  figure('ratio evaluate / one scan', (median(evaluations) / median(scans)).toFixed(2));
  figure('score', String(score));
} finally {
  await lake.close();
  await rm(dir, { recursive: true, force: true });
}
