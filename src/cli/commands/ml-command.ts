import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { LakeError } from '../../errors/lake-error.js';
import type { ModelStatus, ModelVersion } from '../../ml/registry/model-version.js';
import { CliContext } from '../cli-context.js';
import { attachTrainCommands } from './ml-train-command.js';

/**
 * `lakebox ml ...`: the model registry (models, versions, statuses, aliases, comparison)
 * and predictions; training and reports come from ml-train-command.ts.
 */
export function mlCommand(): Command {
  const ml = attachTrainCommands(
    new Command('ml').description(
      'machine learning: train, report, models, versions, aliases, comparisons, predictions, import',
    ),
  );
  ml.addHelpText(
    'after',
    '\nA version is named NAME:VERSION (churn:3), NAME@ALIAS (churn@production) or NAME (its latest).',
  );

  ml.command('models')
    .description('list models with their version counts and aliases')
    .action(async (_opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const models = await (await context.lake()).ml.models();
      if (context.output.json) return context.output.data(models);
      if (models.length === 0)
        return context.output.line('No models. Train one with lakebox ml train.');
      context.output.table(
        models.map((m) => ({
          model: m.name,
          versions: m.versions,
          latest: m.latest,
          aliases: Object.entries(m.aliases)
            .map(([alias, version]) => `${alias}=${version}`)
            .join(', '),
          updated: m.updatedAt.toISOString(),
        })),
      );
    });

  ml.command('versions')
    .description("list a model's versions, newest first, with their status and main metrics")
    .argument('<model>', 'the model name')
    .action(async (model: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const versions = await (await context.lake()).ml.versions(model);
      if (context.output.json) return context.output.data(versions);
      context.output.table(versions.map(versionRow));
    });

  ml.command('show')
    .description('show a version: status, aliases, metrics, where its artifacts are')
    .argument('<version>', 'NAME:VERSION, NAME@ALIAS or NAME')
    .action(async (ref: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const version = await (await context.lake()).ml.version(ref);
      if (context.output.json) return context.output.data(version);
      context.output.fields(`Model ${version.model}:${version.version}`, {
        status: version.status,
        aliases: version.aliases.join(', ') || undefined,
        origin: version.origin,
        algorithm: version.algorithm,
        problem: version.problem,
        run: version.runId ?? undefined,
        artifact: version.artifactKey,
        created: version.createdAt,
      });
      context.output.fields('Metrics', version.metrics);
    });

  for (const [verb, status] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
    ['archive', 'archived'],
  ] as const)
    ml.command(verb)
      .description(`mark a version ${status}`)
      .argument('<version>', 'NAME:VERSION, NAME@ALIAS or NAME')
      .action(async (ref: string, _opts: unknown, command: Command) =>
        setStatus(CliContext.of(command), ref, status),
      );

  ml.command('alias')
    .description('point an alias (production, staging, any name) at a version, atomically')
    .argument('<model>', 'the model name')
    .argument('<alias>', 'the alias')
    .argument('<version>', 'the version number', wholeNumber)
    .option(
      '--expect <version>',
      'move only if the alias holds this version now ("none": only if it is unset)',
      expectation,
    )
    .option('--by <who>', 'who moves it, for the audit trail (user@host unless told)')
    .action(
      async (
        model: string,
        alias: string,
        version: number,
        opts: { expect?: number | null; by?: string },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const move = await (await context.lake()).ml.moveAlias(model, alias, version, opts);
        if (context.output.json) return context.output.data(move);
        context.output.line(
          `${move.model}@${move.alias} -> version ${move.to}${move.from === null ? '' : ` (was ${move.from})`}.`,
        );
      },
    );

  ml.command('aliases')
    .description("every attempt to move a model's aliases, refused ones included")
    .argument('<model>', 'the model name')
    .option('--alias <alias>', 'only this alias')
    .action(async (model: string, opts: { alias?: string }, command: Command) => {
      const context = CliContext.of(command);
      const moves = await (await context.lake()).ml.aliasHistory(model, opts.alias);
      if (context.output.json) return context.output.data(moves);
      context.output.table(
        moves.map((m) => ({
          at: m.at.toISOString(),
          alias: m.alias,
          from: m.from ?? '',
          to: m.to,
          outcome: m.outcome,
          by: m.by,
          reason: m.reason ?? '',
        })),
      );
    });

  ml.command('compare')
    .description("two versions' metrics side by side")
    .argument('<a>', 'a version')
    .argument('<b>', 'another version')
    .action(async (a: string, b: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const compared = await (await context.lake()).ml.compare(a, b);
      if (context.output.json) return context.output.data(compared);
      const left = `${compared.a.model}:${compared.a.version}`;
      const right = `${compared.b.model}:${compared.b.version}`;
      context.output.table(
        compared.metrics.map((m) => ({
          metric: m.name,
          [left]: m.a ?? '',
          [right]: m.b ?? '',
          delta: m.delta ?? '',
        })),
      );
    });

  ml.command('import')
    .description('register a model trained elsewhere (XGBoost JSON or ONNX) as the next version')
    .argument('<file>', 'the model file: XGBoost save_model JSON, or .onnx')
    .requiredOption('--name <model>', 'the model to add the version to')
    .addOption(
      new Option('--format <format>', 'the file format')
        .choices(['xgboost', 'onnx'])
        .makeOptionMandatory(),
    )
    .option(
      '--features <names>',
      "input columns in the model's order, comma-separated (needed for ONNX)",
      list,
    )
    .addOption(
      new Option('--problem <problem>', 'ONNX: what the output is').choices([
        'binary',
        'multiclass',
        'regression',
      ]),
    )
    .option('--classes <names>', 'ONNX: names of the output columns, comma-separated', list)
    .action(
      async (
        file: string,
        opts: {
          name: string;
          format: 'xgboost' | 'onnx';
          features?: string[];
          problem?: 'binary' | 'multiclass' | 'regression';
          classes?: string[];
        },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const { name, ...request } = opts;
        const version = await (await context.lake()).ml.import(name, file, request);
        if (context.output.json) return context.output.data(version);
        context.output.line(
          `Imported ${file} as ${version.model}:${version.version} (${version.origin}, ${version.problem}).`,
        );
      },
    );

  ml.command('predict')
    .description('score records with a version: JSON lines in, one prediction per line out')
    .argument('<version>', 'NAME:VERSION, NAME@ALIAS or NAME')
    .option('--input <file>', 'records as JSON lines (one object per line)')
    .option('--data <json>', 'one record or a list of records as JSON')
    .action(async (ref: string, opts: { input?: string; data?: string }, command: Command) => {
      const context = CliContext.of(command);
      const records = await recordsFrom(opts);
      const scored = await (await context.lake()).ml.predict(ref, records);
      const rows = records.map((_, i) => {
        const values = Array.from(scored.values.subarray(i * scored.width, (i + 1) * scored.width));
        return scored.width === 1 ? { prediction: values[0] } : { probabilities: values };
      });
      if (context.output.json) return context.output.data({ version: scored.version, rows });
      for (const row of rows) context.output.line(JSON.stringify(row));
    });
  return ml;
}

async function setStatus(context: CliContext, ref: string, status: ModelStatus): Promise<void> {
  const version = await (await context.lake()).ml.setStatus(ref, status);
  if (context.output.json) return context.output.data(version);
  context.output.line(`${version.model}:${version.version} is ${version.status}.`);
}

function versionRow(v: ModelVersion): Record<string, unknown> {
  const headline = ['auc', 'accuracy', 'rmse', 'r2', 'macroF1', 'silhouette']
    .filter((name) => v.metrics[name] !== undefined)
    .slice(0, 2)
    .map((name) => `${name} ${v.metrics[name]!.toPrecision(4)}`)
    .join(', ');
  return {
    version: v.version,
    status: v.status,
    aliases: v.aliases.join(', '),
    algorithm: v.algorithm,
    metrics: headline,
    created: v.createdAt.toISOString(),
  };
}

async function recordsFrom(opts: {
  input?: string;
  data?: string;
}): Promise<Record<string, unknown>[]> {
  if ((opts.input === undefined) === (opts.data === undefined))
    throw new LakeError(
      'INVALID_ARGUMENT',
      'Give the records with exactly one of --input FILE or --data JSON.',
    );
  const parse = (text: string, where: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new LakeError('INVALID_ARGUMENT', `${where} is not JSON: ${(error as Error).message}.`);
    }
  };
  const values =
    opts.data !== undefined
      ? [parse(opts.data, '--data')].flat()
      : (
          await readFile(opts.input!, 'utf8').catch((cause: unknown) => {
            throw new LakeError(
              'FILE_NOT_FOUND',
              `Cannot read ${opts.input}: ${(cause as Error).message}.`,
            );
          })
        )
          .split('\n')
          .map((line, i) => ({ line: line.trim(), i }))
          .filter(({ line }) => line !== '')
          .map(({ line, i }) => parse(line, `Line ${i + 1} of ${opts.input}`));
  values.forEach((value, i) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new LakeError('INVALID_ARGUMENT', `Record ${i + 1} is not a JSON object.`);
  });
  return values as Record<string, unknown>[];
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('a version is a whole number from 1.');
  return n;
}

function expectation(value: string): number | null {
  return value === 'none' ? null : wholeNumber(value);
}
