import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { withTableSession } from '../../engine/table-session.js';
import { recordsSelect } from '../../engine/write-source.js';
import { LakeError } from '../../errors/lake-error.js';
import type { LakeServices } from '../../lake-services.js';
import type { FeatureFrame } from '../algorithms/algorithm.js';
import { readFeatures } from '../features/read-features.js';
import type { ModelArtifact } from './model-artifact.js';

/**
 * Records as the frame a model reads: DuckDB reads them and encodes them with the same
 * feature expressions as the training rows (time parts, category codes, unseen levels as
 * missing), so a record scores as the same row in a table would.
 *
 * @throws LakeError INVALID_ARGUMENT when no record is given or the records lack a feature's column.
 */
export async function recordsFrame(
  services: LakeServices,
  artifact: ModelArtifact,
  records: ReadonlyArray<Record<string, unknown>>,
): Promise<FeatureFrame> {
  if (records.length === 0)
    throw new LakeError('INVALID_ARGUMENT', 'No records to score: pass at least one record.');
  const sources = [...new Set(artifact.features.map((f) => f.source))];
  const given = new Set(records.flatMap((r) => Object.keys(r)));
  const missing = sources.filter((s) => !given.has(s));
  if (missing.length > 0)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The records lack ${missing.length === 1 ? 'the feature' : 'features'} ${missing.join(', ')} of model ${artifact.name}; give ${missing.length === 1 ? 'it' : 'them'} (null where unknown).`,
      { details: { missing } },
    );
  const staging = await mkdtemp(join(await services.workDir('predict'), 'call-'));
  try {
    const select = await recordsSelect(records, staging);
    const { frame } = await withTableSession(await services.queries(), [], (session) =>
      readFeatures(session, select, artifact.features),
    );
    return frame;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
