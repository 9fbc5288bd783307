import pg from 'pg';

type TableName = 'accounts' | 'orders' | 'events';

export interface WorkloadTotals {
  /** Row changes committed (each inserted, updated or deleted row counts once). */
  changes: number;
  byTable: Record<TableName, { inserts: number; updates: number; deletes: number }>;
  /** The key of the rows the last transaction inserted into every table (events: writer -1). */
  marker: number;
}

const MARKER = 9_000_000_000;

/**
 * A source workload for the CDC tests: `writers` connections commit interleaved
 * transactions that each insert, update and delete rows of public.accounts, public.orders
 * and public.events (made by the test), counting exactly what they changed. Each writer
 * keeps to its own keys (initial rows by `key % writers`, new ones from its own range), so
 * the writers never wait for each other's locks.
 */
export function changeWorkload(
  url: string,
  options: {
    writers: number;
    seed: number;
    perTransaction?: { insert: number; update: number; delete: number };
  },
) {
  const mix = options.perTransaction ?? { insert: 10, update: 15, delete: 5 };
  const random = mulberry32(options.seed);
  const totals: WorkloadTotals = {
    changes: 0,
    byTable: {
      accounts: { inserts: 0, updates: 0, deletes: 0 },
      orders: { inserts: 0, updates: 0, deletes: 0 },
      events: { inserts: 0, updates: 0, deletes: 0 },
    },
    marker: MARKER,
  };
  const clients: pg.Client[] = [];
  const writers = Array.from({ length: options.writers }, (_, w) => ({
    w,
    next: 1_000_000 * (w + 1),
    live: {
      accounts: range(3000).filter((id) => id % options.writers === w),
      orders: range(3000).filter((id) => id % options.writers === w),
      events: range(3000).filter((id) => id % 3 === w),
    } as Record<TableName, number[]>,
  }));

  const connect = async (i: number) => {
    if (!clients[i]) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      clients[i] = client;
    }
    return clients[i]!;
  };

  const take = (live: number[], n: number) => {
    const taken: number[] = [];
    for (let i = 0; i < n && live.length > 10; i++)
      taken.push(live.splice(Math.floor(random() * live.length), 1)[0]!);
    return taken;
  };
  const pick = (live: number[], n: number) => {
    const picked = new Set<number>();
    for (let i = 0; i < n && live.length > 0; i++)
      picked.add(live[Math.floor(random() * live.length)]!);
    return [...picked];
  };

  const statements: Record<TableName, { insert: string; update: string; delete: string }> = {
    accounts: {
      insert: `insert into public.accounts select id, 'new ' || id, (id % 1000) * 1.25, clock_timestamp() from unnest($2::bigint[]) id where $1::int is not null`,
      update: `update public.accounts set balance = balance + 1.10, name = name || '+', updated_at = clock_timestamp() where $1::int is not null and id = any($2::bigint[])`,
      delete: `delete from public.accounts where $1::int is not null and id = any($2::bigint[])`,
    },
    orders: {
      insert: `insert into public.orders select id, id % 3000, id * 0.5, 'new', array['x', id::text] from unnest($2::bigint[]) id where $1::int is not null`,
      update: `update public.orders set amount = amount + 0.25, status = 'paid', tags = tags || 'u'::text where $1::int is not null and id = any($2::bigint[])`,
      delete: `delete from public.orders where $1::int is not null and id = any($2::bigint[])`,
    },
    events: {
      insert: `insert into public.events select $1::int, seq, 'ins', jsonb_build_object('seq', seq, 'w', $1::int) from unnest($2::bigint[]) seq`,
      update: `update public.events set kind = 'upd', payload = payload || jsonb_build_object('n', coalesce((payload->>'n')::int, 0) + 1) where writer = $1 and seq = any($2::bigint[])`,
      delete: `delete from public.events where writer = $1 and seq = any($2::bigint[])`,
    },
  };

  const transaction = async (writer: (typeof writers)[number], client: pg.Client) => {
    const counted: Array<[TableName, 'inserts' | 'updates' | 'deletes', number]> = [];
    await client.query('begin');
    for (const table of ['accounts', 'orders', 'events'] as const) {
      const live = writer.live[table];
      const inserted = Array.from({ length: mix.insert }, () => writer.next++);
      const updated = pick(live, mix.update);
      const deleted = take(
        live.filter((k) => !updated.includes(k)),
        mix.delete,
      );
      for (const k of deleted) live.splice(live.indexOf(k), 1);
      const run = async (sql: string, keys: number[]) =>
        keys.length === 0 ? 0 : (await client.query(sql, [writer.w, keys])).rowCount!;
      counted.push([table, 'updates', await run(statements[table].update, updated)]);
      counted.push([table, 'deletes', await run(statements[table].delete, deleted)]);
      counted.push([table, 'inserts', await run(statements[table].insert, inserted)]);
      live.push(...inserted);
    }
    await client.query('commit');
    for (const [table, kind, n] of counted) {
      totals.byTable[table][kind] += n;
      totals.changes += n;
    }
  };

  return {
    /**
     * Commits transactions until about `changes` more row changes are committed and, if
     * given, `until` has resolved (so that changes are still flowing when it does).
     */
    async run(changes: number, until: Promise<unknown> = Promise.resolve()): Promise<void> {
      const target = totals.changes + changes;
      let released = false;
      void until.then(() => (released = true));
      await Promise.resolve(); // an already resolved `until` releases at once
      await Promise.all(
        writers.map(async (writer) => {
          const client = await connect(writer.w);
          while (totals.changes < target || !released) await transaction(writer, client);
        }),
      );
    },
    committed: () => totals.changes,
    /** Commits one last transaction that inserts the marker row into every table. */
    async finish(): Promise<WorkloadTotals> {
      const client = await connect(0);
      await client.query(`begin;
        insert into public.accounts values (${MARKER}, 'marker', 0, now());
        insert into public.orders values (${MARKER}, 0, 0, 'marker', '{}');
        insert into public.events values (-1, ${MARKER}, 'marker', '{}');
        commit;`);
      for (const table of ['accounts', 'orders', 'events'] as const)
        totals.byTable[table].inserts += 1;
      totals.changes += 3;
      return totals;
    },
    async close(): Promise<void> {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    },
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** A small seeded PRNG, so a failing run can be repeated. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ (t + t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
