import { buffer } from 'node:stream/consumers';
import { validateIdentifier } from '../catalog/identifier.js';
import { LakeError } from '../errors/lake-error.js';
import type { LakeServices } from '../lake-services.js';
import { KindRuns } from '../runs/kind-runs.js';
import type { Run } from '../runs/run.js';
import type { RunContext, RunOutcome } from '../runs/run-executor.js';
import { algorithmNamed } from './algorithms/algorithms.js';
import type { Predictions } from './algorithms/algorithm.js';
import { importModel, type ImportRequest } from './registry/import-model.js';
import { modelArtifact, readModelArtifact, type ModelArtifact } from './registry/model-artifact.js';
import { parseModelRef } from './registry/model-ref.js';
import { ModelRegistry, type AliasMoveRequest } from './registry/model-registry.js';
import type {
  AliasMove,
  ModelStatus,
  ModelSummary,
  ModelVersion,
} from './registry/model-version.js';
import { recordsFrame } from './registry/records-frame.js';
import type { ModelRuntime, RuntimeName } from './runtime/model-runtime.js';
import { nativeRuntime } from './runtime/native-runtime.js';
import { onnxRuntime } from './runtime/onnx-runtime.js';
import { trainRunLocator } from './report/model-locator.js';
import { reportModel, type ModelReport } from './report/model-report.js';
import { versionLocator } from './registry/version-locator.js';
import { trainModel, type TrainRequest } from './training/train-model.js';

export const TRAIN_RUN_KIND = 'train';

/** Two versions' metrics side by side: each metric either has, and b minus a. */
export interface VersionComparison {
  readonly a: ModelVersion;
  readonly b: ModelVersion;
  readonly metrics: ReadonlyArray<{
    name: string;
    a: number | null;
    b: number | null;
    delta: number | null;
  }>;
}

/**
 * Machine learning on lake tables: training as runs of kind `train` (progress, cancel and
 * metrics like every run), each finished training registered as a new version of its model
 * (artifacts in the `models` zone), statuses and aliases, and predictions by version ref
 * (`churn:3`, `churn@production`, `churn`).
 *
 * @example
 * const run = await lake.ml.train('churn', { table: 'crm.customers', target: 'churned' });
 * const scores = await lake.ml.predict('churn', [{ tenure: 3, plan: 'pro' }]);
 */
export class MlService {
  readonly #registry: ModelRegistry;
  readonly #runs: KindRuns;

  constructor(private readonly services: LakeServices) {
    this.#registry = new ModelRegistry(services.db, services.events);
    this.#runs = new KindRuns(services, TRAIN_RUN_KIND, 'training run');
    services.executor.register(TRAIN_RUN_KIND, (ctx) => this.#execute(ctx));
  }

  /**
   * The metrics, confusion matrix, importance and search of a model version (or a train
   * run, by id), with ROC, PR, importance and residual charts written as SVG beside it.
   *
   * @example
   * const report = await lake.ml.report('delay@production');
   * console.log(report.metrics.auc, report.charts.roc); // 0.83 'models/delay/run_.../roc.svg'
   */
  async report(ref: string): Promise<ModelReport> {
    const locator = versionLocator(
      (r) => this.version(r),
      trainRunLocator(this.services.runs, TRAIN_RUN_KIND),
    );
    return reportModel(this.services.store, await locator.locate(ref));
  }

  /**
   * Starts training a model named `name` and resolves with the queued run.
   *
   * @throws LakeError INVALID_IDENTIFIER for a bad model name.
   */
  async start(name: string, request: TrainRequest): Promise<Run> {
    const model = validateIdentifier(name, 'model name');
    return this.services.executor.submit(TRAIN_RUN_KIND, {
      name: model,
      parameters: { ...request } as Record<string, unknown>,
    });
  }

  /**
   * Trains and waits: the run's metrics hold the test metrics, row counts and the version
   * it registered (`version`).
   *
   * @example const run = await lake.ml.train('delay', { table: 'air.flights', target: 'late', algorithm: 'logistic', params: { l2: 1 } });
   */
  async train(name: string, request: TrainRequest): Promise<Run> {
    return this.run(name, request);
  }

  /** `train` under the verb every service has: start, then wait for the run to end. */
  async run(name: string, request: TrainRequest): Promise<Run> {
    return this.#runs.untilEnded(this.start(name, request));
  }

  /**
   * Resolves with a training run once it has ended.
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (not a training run).
   */
  wait(runId: string, options: { signal?: AbortSignal } = {}): Promise<Run> {
    return this.#runs.wait(runId, options);
  }

  /**
   * Cancels a training run; it registers no version.
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (not a training run), RUN_NOT_CANCELLABLE.
   */
  cancel(runId: string): Promise<Run> {
    return this.#runs.cancel(runId);
  }

  /** Every model with its version count, latest version and aliases. */
  models(): Promise<ModelSummary[]> {
    return this.#registry.models();
  }

  /**
   * A model's versions, newest first.
   *
   * @throws LakeError MODEL_NOT_FOUND.
   */
  versions(model: string): Promise<ModelVersion[]> {
    return this.#registry.versions(model.toLowerCase());
  }

  /**
   * The version a ref names: `churn:3`, `churn@production`, or `churn` (its latest).
   *
   * @throws LakeError MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND, INVALID_ARGUMENT for a bad ref.
   */
  async version(ref: string): Promise<ModelVersion> {
    return this.#registry.version(parseModelRef(ref));
  }

  /** @example await lake.ml.setStatus('churn:3', 'approved'); */
  async setStatus(ref: string, status: ModelStatus, by?: string): Promise<ModelVersion> {
    return this.#registry.setStatus(parseModelRef(ref), status, by);
  }

  /**
   * Points an alias at a version, atomically; with `expect`, only if the alias holds that
   * version now. Every attempt is audited (see aliasHistory).
   *
   * @example await lake.ml.moveAlias('churn', 'production', 4, { expect: 3 });
   * @throws LakeError MODEL_ALIAS_CONFLICT when `expect` does not hold.
   */
  moveAlias(
    model: string,
    alias: string,
    version: number,
    request?: AliasMoveRequest,
  ): Promise<AliasMove> {
    return this.#registry.moveAlias(model.toLowerCase(), alias, version, request);
  }

  /** Every attempt to move the model's aliases, refused ones included, oldest first. */
  aliasHistory(model: string, alias?: string): Promise<AliasMove[]> {
    return this.#registry.aliasHistory(model.toLowerCase(), alias);
  }

  /** Two versions' metrics side by side. @example await lake.ml.compare('churn:3', 'churn:4') */
  async compare(a: string, b: string): Promise<VersionComparison> {
    const [left, right] = await Promise.all([this.version(a), this.version(b)]);
    const names = [
      ...new Set([...Object.keys(left.metrics), ...Object.keys(right.metrics)]),
    ].sort();
    return {
      a: left,
      b: right,
      metrics: names.map((name) => {
        const x = left.metrics[name] ?? null;
        const y = right.metrics[name] ?? null;
        return { name, a: x, b: y, delta: x === null || y === null ? null : y - x };
      }),
    };
  }

  /**
   * Registers a model trained elsewhere as the next version of `name`: an XGBoost JSON
   * model (`save_model`), which becomes a Lakebox tree ensemble, or an ONNX file.
   *
   * @example await lake.ml.import('churn', './xgb.json', { format: 'xgboost' });
   * @throws LakeError FILE_NOT_FOUND, UNSUPPORTED_FORMAT, MALFORMED_FILE, INVALID_ARGUMENT.
   */
  async import(name: string, file: string, request: ImportRequest): Promise<ModelVersion> {
    const model = validateIdentifier(name, 'model name');
    return this.#registry.register(await importModel(this.services.store, model, file, request));
  }

  /** The version's artifact: feature schema, metrics, lineage and the model document. */
  async load(ref: string): Promise<ModelArtifact> {
    const version = await this.version(ref);
    return readModelArtifact(this.services.store, version.artifactKey);
  }

  /**
   * A runtime that scores frames with the version: `native` (the algorithm's own scorer)
   * or `onnx` (its ONNX export in onnxruntime-node, for the algorithms that export one).
   * Close it when done. Unless told, `native` (`onnx` for an imported ONNX model).
   *
   * @throws LakeError INVALID_ARGUMENT when the version has no ONNX export.
   */
  async runtime(ref: string, name?: RuntimeName): Promise<ModelRuntime> {
    const version = await this.version(ref);
    const artifact = await readModelArtifact(this.services.store, version.artifactKey);
    // An imported ONNX model has no scorer of its own.
    const onnxOnly = artifact.algorithm === 'onnx';
    if (name === 'native' && onnxOnly)
      throw new LakeError(
        'INVALID_ARGUMENT',
        `${version.model}:${version.version} was imported as ONNX and scores only through onnxruntime (runtime "onnx").`,
      );
    if ((name ?? (onnxOnly ? 'onnx' : 'native')) === 'native') return nativeRuntime(artifact);
    const key = version.artifactKey.replace(/model\.json$/, 'model.onnx');
    if (!(await this.services.store.head(key)))
      throw new LakeError(
        'INVALID_ARGUMENT',
        `${version.model}:${version.version} (${version.algorithm}) has no ONNX export; score it with the native runtime.`,
      );
    return onnxRuntime(await buffer(await this.services.store.get(key)), key);
  }

  /**
   * Predictions for records, by the version a ref names. Records are encoded by the
   * model's own feature schema (in DuckDB, as at training); binary models give P(class 1),
   * multiclass ones a row of probabilities per record (`width` columns), regression the value.
   *
   * @example const { values } = await lake.ml.predict('churn@production', [{ tenure: 3, plan: 'pro' }]);
   * @throws LakeError INVALID_ARGUMENT naming features the records lack.
   */
  async predict(
    ref: string,
    records: ReadonlyArray<Record<string, unknown>>,
    options: { runtime?: RuntimeName } = {},
  ): Promise<Predictions & { version: ModelVersion; classes: readonly string[] | null }> {
    const version = await this.version(ref);
    const artifact = await readModelArtifact(this.services.store, version.artifactKey);
    const frame = await recordsFrame(this.services, artifact, records);
    const runtime = await this.runtime(`${version.model}:${version.version}`, options.runtime);
    try {
      return { ...(await runtime.predict(frame)), version, classes: artifact.classes };
    } finally {
      await runtime.close();
    }
  }

  async #execute(ctx: RunContext): Promise<RunOutcome> {
    const name = ctx.run.name ?? 'model';
    const request = ctx.parameters as TrainRequest;
    const trained = await trainModel(this.services, request, {
      signal: ctx.signal,
      onProgress: (step, total, metric, phase) =>
        void ctx.setProgress({
          phase: phase ?? 'fit',
          done: step,
          total,
          ...(metric ? { message: `${metric.name} ${metric.value.toPrecision(6)}` } : {}),
        }),
    });
    for (const skipped of trained.plan.skipped)
      await ctx.log('warn', `column ${skipped.column} is not a feature: ${skipped.reason}`);
    for (const capped of trained.plan.capped)
      await ctx.log(
        'warn',
        `${capped.feature}: kept the ${capped.kept} most frequent of ${capped.levels} levels; the rest read as unseen`,
      );
    if (trained.rows.dropped > 0)
      await ctx.log(
        'warn',
        `${trained.rows.dropped} row(s) left out: null target, weight or split time`,
      );
    for (const trial of trained.tuning?.trials ?? [])
      await ctx.log(
        trial.error ? 'warn' : 'info',
        `trial ${trial.trial} ${trial.algorithm} ${JSON.stringify(trial.params)} on ${trial.trainRows} rows: ${trial.error ?? `validation ${trained.tuning!.metric.name} ${trial.score!.toPrecision(6)}`} (${trial.ms} ms)`,
      );
    // The files first, each put whole (the store shows an object only when complete), then
    // the version in one transaction: a training killed before it registers nothing.
    const folder = `models/${name}/${ctx.run.id}`;
    const artifact = modelArtifact(name, trained);
    await this.services.store.put(
      `${folder}/model.json`,
      Buffer.from(`${JSON.stringify(artifact)}\n`),
      {
        contentType: 'application/json',
      },
    );
    const algorithm = algorithmNamed(trained.algorithm);
    if (algorithm.toOnnx)
      await this.services.store.put(
        `${folder}/model.onnx`,
        Buffer.from(algorithm.toOnnx(trained.model, trained.plan.features)),
        { contentType: 'application/octet-stream' },
      );
    ctx.signal.throwIfAborted();
    const version = await this.#registry.register({
      model: name,
      origin: 'trained',
      algorithm: trained.algorithm,
      problem: trained.plan.problem,
      runId: ctx.run.id,
      artifactKey: `${folder}/model.json`,
      metrics: trained.metrics,
    });
    await ctx.info(`registered ${name}:${version.version} (${folder}/)`);
    return {
      status:
        trained.plan.skipped.length > 0 || trained.rows.dropped > 0
          ? 'succeeded_with_errors'
          : 'succeeded',
      metrics: {
        ...trained.metrics,
        version: version.version,
        rowsTrain: trained.rows.train,
        rowsValidation: trained.rows.validation,
        rowsTest: trained.rows.test,
        rowsDropped: trained.rows.dropped,
        features: trained.plan.features.length,
        ...(trained.tuning
          ? { trials: trained.tuning.trials.length, bestTrial: trained.tuning.best }
          : {}),
      },
    };
  }
}
