import { EventLog } from '../../src/events/event-log.js';
import type { MetaDb } from '../../src/meta/meta-db.js';
import { LocalExecutor, RunStore, type LocalExecutorOptions } from '../../src/runs/index.js';
import { WorkerRegistry } from '../../src/runs/worker-registry.js';
import type { MetaBackend } from '../support/meta-backends.js';

/** A migrated metadata database with a run store, and the executors a test makes on it. */
export interface RunsFixture {
  meta: MetaDb;
  events: EventLog;
  store: RunStore;
  /** Errors the executors reported in the background; a healthy test leaves none. */
  backgroundErrors: unknown[];
  executor(options?: LocalExecutorOptions): LocalExecutor;
  /** A store on its own connections to the same database, as another process has. */
  otherStore(): Promise<RunStore>;
  close(): Promise<void>;
}

export async function openRunsFixture(backend: MetaBackend): Promise<RunsFixture> {
  const { meta, reopen, cleanup } = await backend.open();
  const others: MetaDb[] = [];
  const executors: LocalExecutor[] = [];
  const events = new EventLog(meta.db);
  const store = new RunStore(meta.db, events);
  const backgroundErrors: unknown[] = [];
  return {
    meta,
    events,
    store,
    backgroundErrors,
    executor(options = {}) {
      const executor = new LocalExecutor(store, new WorkerRegistry(meta.db, 15_000), {
        onBackgroundError: (error) => backgroundErrors.push(error),
        ...options,
      });
      executors.push(executor);
      return executor;
    },
    async otherStore() {
      const other = await reopen();
      others.push(other);
      return new RunStore(other.db, new EventLog(other.db));
    },
    async close() {
      await Promise.all(executors.map((executor) => executor.close({ abort: true })));
      await Promise.all(others.map((other) => other.close()));
      await cleanup();
    },
  };
}
