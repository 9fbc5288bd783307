import type { Kysely } from 'kysely';
import type { MetaSchema } from '../../src/meta/schema.js';
import { DistributedExecutor } from '../../src/runs/distributed-executor.js';
import { graphileDispatch } from '../../src/runs/graphile-dispatch.js';
import {
  LocalExecutor,
  type LocalExecutorOptions,
  type RunDispatch,
  type RunExecutor,
  type RunStore,
  type WorkerRegistry,
} from '../../src/runs/index.js';
import { META_BACKENDS, type MetaBackend } from '../support/meta-backends.js';

export type TestExecutorOptions = LocalExecutorOptions;

/** An executor under test; `start` makes it take runs (a distributed one starts working). */
export interface TestExecutor extends RunExecutor {
  readonly worker: string;
  start(): Promise<void>;
}

/** One implementation of RunExecutor, with the metadata backends it runs on. */
export interface ExecutorImpl {
  name: 'embedded' | 'distributed';
  backends: MetaBackend[];
  dispatch?: RunDispatch;
  create(
    store: RunStore,
    workers: WorkerRegistry,
    db: Kysely<MetaSchema>,
    url: string,
    options: TestExecutorOptions,
  ): TestExecutor;
}

const embedded: ExecutorImpl = {
  name: 'embedded',
  backends: META_BACKENDS,
  create(store, workers, _db, _url, options) {
    const executor = new LocalExecutor(store, workers, options) as LocalExecutor & TestExecutor;
    executor.start = () => executor.ready();
    return executor;
  },
};

/** The distributed executor submits and, once started, works too (as a one-worker team). */
class WorkingDistributedExecutor implements TestExecutor {
  #started: Promise<void> | undefined;
  constructor(
    private readonly inner: DistributedExecutor,
    private readonly concurrency: number | undefined,
  ) {}

  get worker(): string {
    return this.inner.worker;
  }
  start(): Promise<void> {
    this.#started ??= this.inner.work({ concurrency: this.concurrency });
    return this.#started;
  }
  ready(): Promise<void> {
    return this.inner.ready();
  }
  register(...args: Parameters<RunExecutor['register']>): void {
    this.inner.register(...args);
  }
  async submit(...args: Parameters<RunExecutor['submit']>) {
    await this.start().catch(() => undefined);
    return this.inner.submit(...args);
  }
  wait(...args: Parameters<RunExecutor['wait']>) {
    return this.inner.wait(...args);
  }
  cancel(runId: string) {
    return this.inner.cancel(runId);
  }
  hostStranded() {
    return this.inner.hostStranded();
  }
  close(options?: { abort?: boolean }) {
    return this.inner.close(options);
  }
}

const distributed: ExecutorImpl = {
  name: 'distributed',
  backends: META_BACKENDS.filter((backend) => backend.name === 'postgres'),
  dispatch: graphileDispatch,
  create(store, workers, db, url, { concurrency, ...options }) {
    const inner = new DistributedExecutor(store, workers, {
      connectionString: url,
      db,
      pollMs: 20,
      ...options,
    });
    return new WorkingDistributedExecutor(inner, concurrency);
  },
};

export const EXECUTOR_IMPLS: ExecutorImpl[] = [embedded, distributed];

/** Every implementation on every backend it supports, for `describe.each`. */
export const EXECUTOR_CASES = EXECUTOR_IMPLS.flatMap((impl) =>
  impl.backends.map((backend) => ({ label: `${impl.name} on ${backend.name}`, impl, backend })),
);
