import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { LakeError } from '../../errors/lake-error.js';
import { LAKEBOX_VERSION } from '../../lakebox-version.js';
import type { ObjectStore } from '../../storage/object-store.js';
import type { FeatureSchema, ProblemType } from '../algorithms/algorithm.js';
import { gbdt } from '../algorithms/gbdt/gbdt.js';
import { gbdtFromXgboost } from '../algorithms/gbdt/gbdt-xgboost.js';
import { onnxRuntime } from '../runtime/onnx-runtime.js';
import type { ModelArtifact } from './model-artifact.js';
import type { NewModelVersion } from './model-registry.js';

/** A model trained elsewhere, to register as a version. */
export interface ImportRequest {
  readonly format: 'xgboost' | 'onnx';
  /**
   * The input columns, in the model's feature order (numeric). XGBoost models default to
   * the feature names they were saved with; ONNX models need them.
   */
  readonly features?: readonly string[];
  /** ONNX only: what its output is (regression unless told); classes name its columns. */
  readonly problem?: Extract<ProblemType, 'binary' | 'multiclass' | 'regression'>;
  readonly classes?: readonly string[];
}

/**
 * Reads a model file, writes its artifacts under `models/<name>/import-<id>/` (model.json;
 * model.onnx, converted for XGBoost, as given for ONNX), and returns what to register.
 * An XGBoost model becomes a Lakebox tree ensemble (it scores natively and through ONNX);
 * an ONNX model scores through onnxruntime only.
 *
 * @throws LakeError FILE_NOT_FOUND; UNSUPPORTED_FORMAT or MALFORMED_FILE naming what is wrong
 *   with the file; INVALID_ARGUMENT for features that do not fit it.
 */
export async function importModel(
  store: ObjectStore,
  name: string,
  file: string,
  request: ImportRequest,
): Promise<NewModelVersion> {
  const bytes = await readFile(file).catch((cause: unknown) => {
    throw new LakeError('FILE_NOT_FOUND', `Cannot read ${file}: ${(cause as Error).message}.`, {
      cause,
    });
  });
  const folder = `models/${name}/import-${randomUUID()}`;
  const lineage = {
    importedFrom: basename(file),
    format: request.format,
    lakebox: LAKEBOX_VERSION,
  };
  let artifact: ModelArtifact;
  let onnx: Uint8Array;
  if (request.format === 'xgboost') {
    let document: unknown;
    try {
      document = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new LakeError(
        'UNSUPPORTED_FORMAT',
        `${file} is not JSON: save the XGBoost model with booster.save_model("model.json") (the binary .ubj or .model formats are not read).`,
      );
    }
    const { model, featureNames, xgboostVersion } = gbdtFromXgboost(document);
    const schema = numericSchema(request.features ?? featureNames, featureNames.length, file);
    const renamed = {
      ...model,
      features: schema.map((f) => ({ name: f.name, kind: 'numeric' as const })),
    };
    artifact = {
      format: 'lakebox-model/1',
      name,
      algorithm: 'gbdt',
      problem: model.problem,
      classes: model.classes ?? null,
      features: schema,
      target: null,
      metrics: {},
      importance: gbdt.importance!(renamed),
      lineage: { ...lineage, xgboost: xgboostVersion },
      model: gbdt.serialize(renamed),
    };
    onnx = gbdt.toOnnx!(renamed, schema);
  } else {
    if (!request.features?.length)
      throw new LakeError(
        'INVALID_ARGUMENT',
        'An ONNX model needs its input columns, in order: give features (--features a,b,c).',
      );
    const runtime = await onnxRuntime(bytes, file);
    await runtime.close();
    const schema = numericSchema(request.features, request.features.length, file);
    artifact = {
      format: 'lakebox-model/1',
      name,
      algorithm: 'onnx',
      problem: request.problem ?? 'regression',
      classes: request.classes ?? null,
      features: schema,
      target: null,
      metrics: {},
      importance: {},
      lineage,
      model: { onnx: 'model.onnx' },
    };
    onnx = bytes;
  }
  await store.put(`${folder}/model.onnx`, Buffer.from(onnx), {
    contentType: 'application/octet-stream',
  });
  await store.put(`${folder}/model.json`, Buffer.from(`${JSON.stringify(artifact)}\n`), {
    contentType: 'application/json',
  });
  return {
    model: name,
    origin: request.format,
    algorithm: artifact.algorithm,
    problem: artifact.problem,
    runId: null,
    artifactKey: `${folder}/model.json`,
    metrics: {},
  };
}

function numericSchema(names: readonly string[], expected: number, file: string): FeatureSchema[] {
  if (names.length !== expected)
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${file} takes ${expected} features, but ${names.length} were named (${names.join(', ')}).`,
    );
  return names.map((name) => ({ name, kind: 'numeric', source: name, sourceType: 'DOUBLE' }));
}
