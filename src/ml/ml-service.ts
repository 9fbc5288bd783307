import { validateIdentifier } from '../catalog/identifier.js';
import type { LakeServices } from '../lake-services.js';
import type { Run } from '../runs/run.js';
import type { RunContext, RunOutcome } from '../runs/run-executor.js';
import { trainModel, type TrainRequest } from './training/train-model.js';
import { trainRunLocator, type ModelLocator } from './report/model-locator.js';
import { reportModel, type ModelReport } from './report/model-report.js';

export const TRAIN_RUN_KIND = 'train';

/**
 * Machine learning on lake tables: training as runs of kind `train` (progress, cancel and
 * metrics like every run), the model written to the `models` zone.
 *
 * @example
 * const run = await lake.ml.train('churn', { table: 'crm.customers', target: 'churned' });
 * console.log(run.metrics.auc);
 */
export class MlService {
  readonly #locator: ModelLocator;

  /** `locator` resolves what `report` is given; train run ids unless told (the registry adds versions). */
  constructor(
    private readonly services: LakeServices,
    locator?: ModelLocator,
  ) {
    this.#locator = locator ?? trainRunLocator(services.runs, TRAIN_RUN_KIND);
    services.executor.register(TRAIN_RUN_KIND, (ctx) => this.#execute(ctx));
  }

  /**
   * The metrics, confusion matrix, importance and search of a trained model, with its charts
   * (ROC, precision-recall, importance, residuals: those that fit its problem) written as SVG
   * beside the model in the `models` zone.
   *
   * @example
   * const report = await lake.ml.report(run.id);
   * console.log(report.metrics.auc, report.charts.roc); // 0.83 'models/delay/run_.../roc.svg'
   * @throws LakeError RUN_NOT_FOUND for an unknown id; INVALID_ARGUMENT for a run with no model.
   */
  async report(ref: string): Promise<ModelReport> {
    return reportModel(this.services.store, await this.#locator.locate(ref));
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
   * Trains and waits: the run's metrics hold the test metrics and row counts.
   *
   * @example const run = await lake.ml.train('delay', { table: 'air.flights', target: 'late', algorithm: 'logistic', params: { l2: 1 } });
   */
  async train(name: string, request: TrainRequest): Promise<Run> {
    const run = await this.start(name, request);
    return this.services.executor.wait(run.id);
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
    // One document, put whole: the store makes it visible only when complete.
    const key = `models/${name}/${ctx.run.id}/model.json`;
    const artifact = {
      name,
      algorithm: trained.algorithm,
      problem: trained.plan.problem,
      classes: trained.plan.classes ?? null,
      features: trained.plan.features,
      target: trained.plan.target ?? null,
      metrics: trained.metrics,
      importance: trained.importance,
      evaluation: trained.evaluation,
      // Without the times, so the same data, parameters and seed give the same bytes.
      ...(trained.tuning
        ? {
            tuning: {
              ...trained.tuning,
              trials: trained.tuning.trials.map(({ ms: _ms, ...trial }) => trial),
            },
          }
        : {}),
      lineage: trained.lineage,
      model: trained.document,
    };
    await this.services.store.put(key, Buffer.from(`${JSON.stringify(artifact)}\n`), {
      contentType: 'application/json',
    });
    await ctx.info(`wrote ${key}`);
    return {
      status:
        trained.plan.skipped.length > 0 || trained.rows.dropped > 0
          ? 'succeeded_with_errors'
          : 'succeeded',
      metrics: {
        ...trained.metrics,
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
