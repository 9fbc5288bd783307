import type { LocatedModel, ModelLocator } from '../report/model-locator.js';
import type { ModelVersion } from './model-version.js';

/**
 * Finds a model's folder by version ref (`delay:3`, `delay@production`, `delay`), and by
 * train run id (`run_...`) through `runs`, so a report can be asked for either.
 */
export function versionLocator(
  version: (ref: string) => Promise<ModelVersion>,
  runs: ModelLocator,
): ModelLocator {
  return {
    async locate(ref): Promise<LocatedModel> {
      if (ref.startsWith('run_')) return runs.locate(ref);
      const found = await version(ref);
      return {
        ref,
        name: found.model,
        folder: found.artifactKey.replace(/\/model\.json$/, ''),
      };
    },
  };
}
