import { EventLog } from '../../src/events/event-log.js';
import type { MetaDb } from '../../src/meta/meta-db.js';
import { RunStore, WorkerRegistry } from '../../src/runs/index.js';
import type { MetaBackend } from '../support/meta-backends.js';
import {
  EXECUTOR_IMPLS,
  type ExecutorImpl,
  type TestExecutor,
  type TestExecutorOptions,
} from './executor-impls.js';

/** How long a worker's heartbeat may be silent in these tests before it is lost. */
export const TEST_LOST_AFTER_MS = 15_000;

/** A migrated metadata database with a run store, and the executors a test makes on it. */
export interface RunsFixture {
  meta: MetaDb;
  events: EventLog;
  store: RunStore;
  workers: WorkerRegistry;
  /** Errors the executors reported in the background; a healthy test leaves none. */
  backgroundErrors: unknown[];
  executor(options?: TestExecutorOptions): TestExecutor;
  /** A store on its own connections to the same database, as another process has. */
  otherStore(): Promise<RunStore>;
  close(): Promise<void>;
}

export async function openRunsFixture(
  backend: MetaBackend,
  impl: ExecutorImpl = EXECUTOR_IMPLS[0]!,
): Promise<RunsFixture> {
  const { meta, url, reopen, cleanup } = await backend.open();
  const others: MetaDb[] = [];
  const executors: TestExecutor[] = [];
  const events = new EventLog(meta.db, meta.dialect);
  const store = new RunStore(meta.db, events, impl.dispatch);
  const workers = new WorkerRegistry(meta.db, TEST_LOST_AFTER_MS);
  const backgroundErrors: unknown[] = [];
  return {
    meta,
    events,
    store,
    workers,
    backgroundErrors,
    executor(options = {}) {
      const executor = impl.create(store, workers, meta.db, url, {
        onBackgroundError: (error) => backgroundErrors.push(error),
        ...options,
      });
      executors.push(executor);
      return executor;
    },
    async otherStore() {
      const other = await reopen();
      others.push(other);
      return new RunStore(other.db, new EventLog(other.db, other.dialect), impl.dispatch);
    },
    async close() {
      await Promise.all(executors.map((executor) => executor.close({ abort: true })));
      await Promise.all(others.map((other) => other.close()));
      await cleanup();
    },
  };
}
