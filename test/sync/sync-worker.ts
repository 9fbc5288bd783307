// Starts a bandwidth-limited one-shot sync and, once a good part of it has moved, prints
// "midway" and keeps going until the test SIGKILLs it: `sync-worker.ts LAKE_DIR SRC DEST`.
import { setTimeout as sleep } from 'node:timers/promises';
import { Lake } from '../../src/lake.js';

const [lakeDir, from, to] = process.argv.slice(2) as [string, string, string];
const lake = await Lake.open(lakeDir);
const run = await lake.sync.startCopy({ from, to, options: { bandwidthLimit: 4 * 1024 * 1024 } });
for (;;) {
  const execution = await lake.sync.status(run.id);
  if (execution.filesTransferred >= 2000) break;
  if (execution.status !== 'running' && execution.status !== 'queued')
    throw new Error(`the sync ended (${execution.status}) before the test could kill it`);
  await sleep(50);
}
process.stdout.write(`midway ${run.id}\n`);
await new Promise(() => undefined);
