import type { Kysely } from 'kysely';
import type { MetaSchema } from '../meta/schema.js';
import type { Run } from './run.js';

/**
 * How a queued run reaches a worker, called inside the transaction that queues it, so that
 * a run is never queued without being dispatched (nor dispatched without being queued).
 * An embedded lake has none: its executor holds its queue in memory.
 */
export interface RunDispatch {
  /** `run` is queued: offer it to a worker at `runAt` (epoch ms) or at once. */
  dispatch(trx: Kysely<MetaSchema>, run: Run, runAt?: number): Promise<void>;
}
