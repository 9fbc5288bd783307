// The demo behind `npm run demo`: create a lake, load a CSV file, query it, travel in time.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lake } from '../dist/index.js';

const dir = await mkdtemp(join(tmpdir(), 'lakebox-demo-'));
try {
  const lake = await Lake.init(join(dir, 'lake'));
  console.log(`Created a lake in ${lake.dir}`);

  const csv = join(dir, 'orders.csv');
  const rows = ['order_id,customer,amount,day'];
  for (let i = 1; i <= 1000; i++)
    rows.push(
      `${i},customer_${i % 7},${((i * 37) % 500) / 4},2026-01-${String((i % 28) + 1).padStart(2, '0')}`,
    );
  await writeFile(csv, `${rows.join('\n')}\n`);

  const load = await lake.load('sales.orders', [csv], { partitionBy: ['day'] });
  console.log(
    `Loaded ${load.metrics.rowsWritten} rows into sales.orders (run ${load.id}, ${load.status})`,
  );

  const top = await lake.query(
    'select customer, count(*) as orders, sum(amount) as revenue from sales.orders group by customer order by revenue desc limit 3',
  );
  console.table(top.rows());

  const first = (await lake.history('sales.orders'))[0];
  await lake.writeTable(
    'sales.orders',
    { sql: "select * from sales.orders where customer <> 'customer_0'" },
    { mode: 'overwrite' },
  );
  const now = await lake.query('select count(*) as n from sales.orders');
  const then = await lake.query('select count(*) as n from sales.orders', { asOf: first.id });
  console.log(
    `After an overwrite: ${now.rows()[0].n} rows now, ${then.rows()[0].n} as of snapshot ${first.id}`,
  );
  await lake.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
