// Events through triggers, inside `lakebox serve` on an embedded lake (SQLite):
// - latency from the commit of an `object.created` (a put through the lake) to the start of
//   the handler of the function its trigger invokes, p50 and p99 over BENCH_EVENTS_SAMPLES
//   (200) events one at a time; side by side with the anchor measured in the same run, an
//   asynchronous invoke of the same function straight from the SDK (no event, no trigger);
// - BENCH_EVENTS_RATE (1000) events/s appended for BENCH_EVENTS_SECONDS (60) s through one
//   trigger to a no-op function: delivered and finished per second, lag, and memory;
// - the dispatcher alone on a team lake (PostgreSQL, runs queued for `lakebox worker`s that
//   are not running): BENCH_EVENTS_BACKLOG (5000) pending events delivered per second.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFile } from 'node:fs/promises';
import { CONFIG_FILE } from '../src/config/lake-config.js';
import { Lake } from '../src/lake.js';
import {
  createTestDatabase,
  postgresMetadata,
  startPostgres,
} from '../test/support/postgres-server.js';
import { serve } from '../src/server/serve.js';
import { tempDir, tempLake } from '../test/support/temp-lake.js';
import { figure, median, ms, percentile } from './measure.js';

const SAMPLES = Number(process.env['BENCH_EVENTS_SAMPLES'] ?? 200);
const RATE = Number(process.env['BENCH_EVENTS_RATE'] ?? 1000);
const SECONDS = Number(process.env['BENCH_EVENTS_SECONDS'] ?? 60);
const BACKLOG = Number(process.env['BENCH_EVENTS_BACKLOG'] ?? 5000);

const now = () => performance.timeOrigin + performance.now();
const made = await tempLake();
const files = await tempDir('lakebox-bench-events-');
// The burst's events name objects that are not there: no scan is to announce them removed.
await made.lake.close();
const configPath = join(made.dir, CONFIG_FILE);
const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
config['events'] = { watchObjects: false };
await writeFile(configPath, JSON.stringify(config));
const lake: Lake = await Lake.open(made.dir);
try {
  // Epoch milliseconds with a fraction, comparable across threads.
  await writeFile(
    join(files.dir, 'stamp.ts'),
    'export const handler = () => ({ at: performance.timeOrigin + performance.now() });',
  );
  await writeFile(join(files.dir, 'noop.ts'), 'export const handler = () => undefined;');
  await lake.functions.deploy(join(files.dir, 'stamp.ts'), { name: 'stamp', concurrency: 2 });
  await lake.functions.deploy(join(files.dir, 'noop.ts'), { name: 'noop', concurrency: 4 });
  await lake.triggers.create({
    name: 'latency',
    pattern: { type: 'object.created', zone: 'raw', prefix: 'latency/' },
    target: 'function:stamp',
  });
  await lake.triggers.create({
    name: 'burst',
    pattern: { type: 'object.created', zone: 'raw', prefix: 'burst/' },
    target: 'function:noop',
  });
  const served = await serve(lake, { port: 0, log: () => undefined });

  const handlerStart = async (runId: string): Promise<number> => {
    const run = await lake.runs.wait(runId);
    return ((await lake.functions.result(run.id)) as { at: number }).at;
  };
  // Warm the function's worker threads, as a serving lake's are.
  for (let i = 0; i < 4; i += 1)
    await handlerStart((await lake.functions.invokeAsync('stamp', {})).id);

  const viaTrigger: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    const before = (await lake.triggers.status('latency', { limit: 1 })).counts.started;
    await lake.services.store.put(`raw/latency/${i}.csv`, 'id\n1\n');
    const committed = now();
    let runId: string | undefined;
    while (!runId) {
      const { counts, recent } = await lake.triggers.status('latency', { limit: 1 });
      if (counts.started > before) runId = recent[0]!.runId!;
      else await sleep(1);
    }
    viaTrigger.push((await handlerStart(runId)) - committed);

    const submitted = now();
    const run = await lake.functions.invokeAsync('stamp', {});
    direct.push((await handlerStart(run.id)) - submitted);
  }
  figure('object.created -> handler start via trigger, p50', ms(median(viaTrigger)));
  figure('object.created -> handler start via trigger, p99', ms(percentile(viaTrigger, 99)));
  figure('anchor: async invoke -> handler start, p50', ms(median(direct)));
  figure('anchor: async invoke -> handler start, p99', ms(percentile(direct, 99)));
  figure('trigger p50 / direct p50', `${(median(viaTrigger) / median(direct)).toFixed(2)}x`);

  // Sustained: RATE events/s in batches every 50 ms, as a busy writer's batcher appends them.
  const perTick = Math.max(1, Math.round(RATE / 20));
  let appended = 0;
  const started = Date.now();
  const samples: Array<{ s: number; appended: number; delivered: number; rssMb: number }> = [];
  const counts = async () => (await lake.triggers.status('burst', { limit: 1 })).counts.started;
  let nextSample = started + 1000;
  while (Date.now() - started < SECONDS * 1000) {
    const tick = Date.now();
    await lake.services.events.appendMany(
      Array.from({ length: perTick }, (_, j) => {
        const key = `raw/burst/${appended + j}.csv`;
        return { type: 'object.created' as const, subject: key, payload: { key, size: 1 } };
      }),
    );
    appended += perTick;
    if (Date.now() >= nextSample) {
      nextSample += 1000;
      samples.push({
        s: Math.round((Date.now() - started) / 1000),
        appended,
        delivered: await counts(),
        rssMb: process.memoryUsage().rss / 2 ** 20,
      });
    }
    await sleep(Math.max(0, 50 - (Date.now() - tick)));
  }
  const appendSeconds = (Date.now() - started) / 1000;
  const deliveredAtEnd = await counts();
  while ((await counts()) < appended) await sleep(100);
  const drainedSeconds = (Date.now() - started) / 1000;
  const finished = await lake.services.db
    .selectFrom('lb_run')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('kind', '=', 'function')
    .where('name', '=', 'noop')
    .where('status', '=', 'succeeded')
    .executeTakeFirstOrThrow();
  for (const sample of samples.filter((_, i) => i % 10 === 9 || i === samples.length - 1)) {
    figure(
      `  at ${sample.s} s: appended, delivered, lag, RSS`,
      `${sample.appended}, ${sample.delivered}, ${sample.appended - sample.delivered}, ${sample.rssMb.toFixed(0)} MB`,
    );
  }
  figure('events appended per second', (appended / appendSeconds).toFixed(0));
  figure('deliveries per second while appending', (deliveredAtEnd / appendSeconds).toFixed(0));
  figure(
    'all delivered after',
    `${drainedSeconds.toFixed(1)} s (appending took ${appendSeconds.toFixed(1)} s)`,
  );
  figure('no-op invocations succeeded so far', String(finished.n));
  await served.stop();
} finally {
  await lake.close();
  await made.cleanup();
  await files.cleanup();
}

// The dispatcher alone, on PostgreSQL with workers: what delivery costs without running runs.
const postgres = await startPostgres({ durable: true });
const team = await tempLake({
  metadata: postgresMetadata(await createTestDatabase(postgres.url)),
});
try {
  await team.lake.close();
  const configPath = join(team.dir, CONFIG_FILE);
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  config['executor'] = { mode: 'workers' };
  await writeFile(configPath, JSON.stringify(config));
  const lake = await Lake.open(team.dir);
  try {
    await writeFile(join(team.dir, 'noop.ts'), 'export const handler = () => undefined;');
    await lake.functions.deploy(join(team.dir, 'noop.ts'), { name: 'noop' });
    await lake.triggers.create({
      name: 'backlog',
      pattern: { type: 'object.created', zone: 'raw' },
      target: 'function:noop',
    });
    await lake.services.events.appendMany(
      Array.from({ length: BACKLOG }, (_, i) => {
        const key = `raw/backlog/${i}.csv`;
        return { type: 'object.created' as const, subject: key, payload: { key, size: 1 } };
      }),
    );
    const t0 = performance.now();
    await lake.triggers.dispatcher().drain();
    const seconds = (performance.now() - t0) / 1000;
    figure(
      'team lake (PostgreSQL), dispatcher alone: deliveries/s',
      `${(BACKLOG / seconds).toFixed(0)} (${BACKLOG} in ${seconds.toFixed(1)} s)`,
    );
  } finally {
    await lake.close();
  }
} finally {
  await team.cleanup();
  await postgres.stop();
}
