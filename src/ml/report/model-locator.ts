import { LakeError } from '../../errors/lake-error.js';
import type { RunStore } from '../../runs/run-store.js';

/** Where a trained model's files live in the lake's store. */
export interface LocatedModel {
  /** What the user named it by (a train run id now; a version ref once the registry lands). */
  readonly ref: string;
  readonly name: string;
  /** The folder holding `model.json`, where the report's charts are written beside it. */
  readonly folder: string;
}

/**
 * Resolves what `lake.ml.report` is given to a model's folder. The train-run locator below
 * is the first; a registry locator (versions, aliases) takes a version ref the same way, and
 * may fall back to this one for run ids.
 */
export interface ModelLocator {
  /** @throws LakeError RUN_NOT_FOUND (later also a registry's not-found code) when nothing goes by `ref`. */
  locate(ref: string): Promise<LocatedModel>;
}

/** Train runs by id: `models/<name>/<run id>/`, as the `train` run kind writes them. */
export function trainRunLocator(runs: RunStore, kind: string): ModelLocator {
  return {
    async locate(ref) {
      const run = await runs.get(ref).catch((error: unknown) => {
        if (error instanceof LakeError && error.code === 'RUN_NOT_FOUND')
          throw new LakeError(
            'RUN_NOT_FOUND',
            `No train run ${ref}: give the id of a train run (lakebox runs --kind ${kind}).`,
          );
        throw error;
      });
      if (run.kind !== kind || !run.name)
        throw new LakeError(
          'INVALID_ARGUMENT',
          `Run ${ref} is a ${run.kind} run, not a train run: give the id of a train run.`,
        );
      if (run.status !== 'succeeded' && run.status !== 'succeeded_with_errors')
        throw new LakeError(
          'INVALID_ARGUMENT',
          `Train run ${ref} ${run.status === 'failed' ? 'failed' : `is ${run.status}`}: it has no model to report on.`,
        );
      return { ref, name: run.name, folder: `models/${run.name}/${run.id}` };
    },
  };
}
