/**
 * `lakebox ml train` and `lakebox ml report`, attached to the `ml` parent command by
 * `attachTrainCommands`. Both are thin: they parse options into a TrainRequest and call
 * `lake.ml`; the progress bar reads the run's progress as every other run's bar does.
 */
import { Command, Option } from 'commander';
import { LakeError } from '../../errors/lake-error.js';
import type { Lake } from '../../lake.js';
import type { AlgorithmName } from '../../ml/algorithms/algorithms.js';
import type { ModelReport } from '../../ml/report/model-report.js';
import type { TrainRequest } from '../../ml/training/train-model.js';
import type { TuneStrategy } from '../../ml/tuning/tune-spec.js';
import type { Run } from '../../runs/run.js';
import { CliContext } from '../cli-context.js';
import { formatDuration } from '../output.js';
import { followWithProgress, type ProgressFrame } from '../progress/follow-with-progress.js';
import { reportRunEnd } from '../run-report.js';

const ALGORITHM_CHOICES: AlgorithmName[] = ['gbdt', 'linear', 'logistic', 'kmeans', 'iforest'];

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

const integer = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${name} must be an integer (got ${JSON.stringify(value)}).`,
    );
  return n;
};

interface TrainOptions {
  table?: string;
  sql?: string;
  target?: string;
  algorithm?: AlgorithmName;
  params?: string;
  tune?: number;
  strategy?: TuneStrategy;
  space?: string;
  auto?: boolean;
  include?: string[];
  exclude?: string[];
  seed?: number;
}

/** Adds `train` and `report` to `ml`. */
export function attachTrainCommands(ml: Command): Command {
  attachTrainCommand(ml);
  attachReportCommand(ml);
  return ml;
}

export function attachTrainCommand(ml: Command): Command {
  ml.command('train')
    .description('train a model on a lake table or query, as a run with a progress bar')
    .argument('<name>', 'model name')
    .option('--table <table>', 'DATABASE.TABLE to train on')
    .option('--sql <select>', 'a SELECT over lake tables to train on (instead of --table)')
    .option('--target <column>', 'the column to predict (absent for kmeans and iforest)')
    .addOption(
      new Option('--algorithm <name>', 'the algorithm (default by problem)').choices(
        ALGORITHM_CHOICES,
      ),
    )
    .option(
      '--params <json>',
      'algorithm parameters as JSON, e.g. \'{"rounds":200,"max_depth":4}\'',
    )
    .option('--tune <trials>', 'search the parameters with this many trials', integer('--tune'))
    .addOption(
      new Option('--strategy <strategy>', 'how --tune searches').choices(['random', 'halving']),
    )
    .option(
      '--space <json>',
      'the search space as JSON, e.g. \'{"l2":{"min":0.001,"max":10,"log":true}}\'',
    )
    .option(
      '--auto',
      'try every algorithm that fits the problem, with small searches; keep the best',
    )
    .option('--include <columns>', 'only these columns are features (comma-separated)', list)
    .option('--exclude <columns>', 'never these columns (ids, leaks)', list)
    .option('--seed <n>', 'seed of the split, sampling and search (1)', integer('--seed'))
    .addHelpText(
      'after',
      '\nExamples:\n  lakebox ml train delay --table air.flights --target late --algorithm gbdt --params \'{"rounds":200}\'\n  lakebox ml train delay --table air.flights --target late --algorithm gbdt --tune 20 --strategy halving\n  lakebox ml train delay --table air.flights --target late --auto',
    )
    .action(async (name: string, opts: TrainOptions, command: Command) => {
      const context = CliContext.of(command);
      const request = trainRequest(opts);
      const lake = await context.lake();
      const started = await lake.ml.start(name, request);
      if (!context.output.json && !process.stderr.isTTY)
        process.stderr.write(`Training run ${started.id} started...\n`);
      const run = await followWithProgress({
        work: lake.runs.wait(started.id),
        poll: trainingFrame(lake, started.id),
        format: '{phase} |{bar}| round {value}/{total} {metric} {left}',
        enabled: !context.output.json,
      });
      reportRunEnd(context, run, (metrics) => trainedSummary(name, run, metrics));
    });
  return ml;
}

export function attachReportCommand(ml: Command): Command {
  ml.command('report')
    .description(
      "a trained model's metrics, confusion matrix and importance; writes its SVG charts beside it",
    )
    .argument('<ref>', 'the id of the train run')
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const report = await (await context.lake()).ml.report(ref);
      if (context.output.json) return context.output.data(report);
      printReport(context, report);
    });
  return ml;
}

function parseJson(option: string, text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${option} is not valid JSON: ${(error as Error).message}.`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${option} must be a JSON object, e.g. '{"rounds":200}'.`,
    );
  return value as Record<string, unknown>;
}

function trainRequest(opts: TrainOptions): TrainRequest {
  const params = parseJson('--params', opts.params);
  const space = parseJson('--space', opts.space);
  if ((opts.strategy || space) && opts.tune === undefined && !opts.auto)
    throw new LakeError(
      'INVALID_ARGUMENT',
      '--strategy and --space shape a search: give --tune N (trials) too.',
    );
  const tune =
    opts.tune === undefined && !opts.strategy
      ? undefined
      : {
          trials: opts.tune ?? 4,
          ...(opts.strategy ? { strategy: opts.strategy } : {}),
          ...(space ? { space: space as NonNullable<TrainRequest['tune']>['space'] } : {}),
        };
  return {
    ...(opts.table ? { table: opts.table } : {}),
    ...(opts.sql ? { sql: opts.sql } : {}),
    ...(opts.target ? { target: opts.target } : {}),
    ...(opts.algorithm ? { algorithm: opts.algorithm } : {}),
    ...(params ? { params } : {}),
    ...(tune ? { tune } : {}),
    ...(opts.auto ? { auto: true } : {}),
    ...(opts.include ? { include: opts.include } : {}),
    ...(opts.exclude ? { exclude: opts.exclude } : {}),
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
  };
}

/**
 * The bar's frame from the run's progress. Time left is estimated per phase (one fit, or one
 * trial of a search) from the rate so far, since each trial starts its rounds again.
 */
function trainingFrame(lake: Lake, id: string): () => Promise<ProgressFrame> {
  let phase: string | undefined;
  let since = Date.now();
  return async () => {
    const run = await lake.runs.get(id);
    const progress = run.progress ?? {};
    const done = progress.done ?? 0;
    const total = Math.max(progress.total ?? 1, 1);
    if (progress.phase !== phase) {
      phase = progress.phase;
      since = Date.now();
    }
    const finished = run.status !== 'queued' && run.status !== 'running';
    const left =
      finished || done >= total
        ? 'done'
        : done > 0
          ? `${formatDuration(((Date.now() - since) / done) * (total - done))} left`
          : '';
    return {
      value: done,
      total,
      payload: {
        phase: (progress.phase ?? run.status).padEnd(12),
        metric: progress.message ?? '',
        left,
      },
    };
  };
}

function trainedSummary(name: string, run: Run, metrics: Record<string, number>): string {
  const shown = [
    'auc',
    'logloss',
    'accuracy',
    'macroF1',
    'rmse',
    'mae',
    'r2',
    'clusters',
    'meanScore',
  ]
    .filter((key) => metrics[key] !== undefined)
    .map((key) => `${key} ${metrics[key]!.toPrecision(4)}`)
    .join(', ');
  const search =
    metrics['trials'] !== undefined
      ? `; best of ${metrics['trials']} trials: trial ${metrics['bestTrial']}`
      : '';
  return `Trained ${name}: ${shown} on ${metrics['rowsTest']} test rows${search}`;
}

function printReport(context: CliContext, report: ModelReport): void {
  const out = context.output;
  out.line(`Model ${report.name} (${report.algorithm}, ${report.problem}) from ${report.ref}`);
  out.line();
  out.table(
    Object.entries(report.metrics).map(([metric, value]) => ({
      metric,
      value: Number.isInteger(value) ? value : value.toPrecision(6),
    })),
  );
  if (report.confusion) {
    const classes = report.classes ?? report.confusion.map((_, i) => String(i));
    out.line();
    out.line(
      `Confusion matrix (rows actual, columns predicted${report.threshold === undefined ? '' : `, threshold ${report.threshold}`})`,
    );
    out.table(
      report.confusion.map((row, i) => ({
        actual: classes[i],
        ...Object.fromEntries(row.map((n, j) => [classes[j]!, n])),
      })),
      ['actual', ...classes],
    );
  }
  if (report.importance.length > 0) {
    out.line();
    out.line('Feature importance (gain)');
    const total = report.importance.reduce((s, i) => s + i.gain, 0);
    out.table(
      report.importance.slice(0, 20).map((i) => ({
        feature: i.feature,
        gain: i.gain.toPrecision(6),
        share: total > 0 ? `${((100 * i.gain) / total).toFixed(1)}%` : '',
      })),
    );
  }
  if (report.tuning) {
    out.line();
    out.line(
      `${report.tuning.auto ? 'AutoML' : 'Tuned'} by ${report.tuning.strategy} search: best of ${report.tuning.trials} trials is trial ${report.tuning.best} (validation ${report.tuning.metric.name})`,
    );
  }
  const charts = Object.entries(report.charts);
  if (charts.length > 0) {
    out.line();
    out.line('Charts');
    for (const [chart, key] of charts) out.line(`  ${chart.padEnd(10)} ${key}`);
  }
}
