import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { LakeError, type ErrorCode } from '../../errors/lake-error.js';
import type { QualityResult } from '../../quality/quality-types.js';
import { parseAsOf } from '../as-of.js';
import { CliContext } from '../cli-context.js';
import { ExitCode } from '../exit-code.js';
import type { Output } from '../output.js';

/** `lakebox quality create|list|show|delete|run|results`: rulesets and their evaluations. */
export function qualityCommand(): Command {
  const command = new Command('quality').description(
    'data quality: rulesets in a DQDL-like language, evaluations and results',
  );
  command
    .command('create')
    .description('save a ruleset (DQDL: Rules = [ RowCount > 0, IsComplete "id" ])')
    .argument('<name>', 'ruleset name')
    .option('--rules <file>', 'a file holding the rules')
    .option('--rules-text <text>', 'the rules themselves')
    .option('--description <text>', 'what the ruleset checks')
    .option('--replace', 'replace the rules of an existing ruleset of this name')
    .addHelpText(
      'after',
      `\nExamples:\n  lakebox quality create orders_ok --rules orders.dqdl\n  lakebox quality create orders_ok --rules-text 'Rules = [ RowCount > 0, IsUnique "id" ]'`,
    )
    .action(
      async (
        name: string,
        opts: { rules?: string; rulesText?: string; description?: string; replace?: boolean },
        cmd: Command,
      ) => {
        const context = CliContext.of(cmd);
        const rules = await rulesFrom(opts);
        const lake = await context.lake();
        const ruleset = await lake.quality.createRuleset(name, rules, {
          description: opts.description,
          replace: opts.replace,
        });
        if (context.output.json) return context.output.data(ruleset);
        const count = lake.quality.check(ruleset.rules).length;
        context.output.line(`Saved ruleset ${ruleset.name} (${count} rule(s))`);
      },
    );
  command
    .command('list')
    .description('list rulesets')
    .action(async (_opts: unknown, cmd: Command) => {
      const context = CliContext.of(cmd);
      const lake = await context.lake();
      const rulesets = await lake.quality.listRulesets();
      if (context.output.json) return context.output.data(rulesets);
      if (rulesets.length === 0) return context.output.line('No rulesets yet.');
      context.output.table(
        rulesets.map((r) => ({
          ruleset: r.name,
          rules: lake.quality.check(r.rules).length,
          description: r.description ?? '',
          updated: r.updatedAt.toISOString(),
        })),
      );
    });
  command
    .command('show')
    .description("show a ruleset's rules")
    .argument('<name>', 'ruleset name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const context = CliContext.of(cmd);
      const ruleset = await (await context.lake()).quality.getRuleset(name);
      if (context.output.json) return context.output.data(ruleset);
      if (ruleset.description) context.output.line(`# ${ruleset.description}`);
      context.output.line(ruleset.rules);
    });
  command
    .command('delete')
    .description('delete a ruleset (its results stay)')
    .argument('<name>', 'ruleset name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const context = CliContext.of(cmd);
      await (await context.lake()).quality.deleteRuleset(name);
      if (context.output.json) context.output.data({ deleted: name });
      else context.output.line(`Deleted ruleset ${name}`);
    });
  command
    .command('run')
    .description(
      `evaluate a ruleset against a table, as a run; exits ${ExitCode.partial} when a rule fails`,
    )
    .argument('<ruleset>', 'ruleset name')
    .requiredOption('--table <table>', 'DATABASE.TABLE')
    .option('--as-of <snapshot>', 'a snapshot id or an ISO time')
    .action(async (ruleset: string, opts: { table: string; asOf?: string }, cmd: Command) => {
      const context = CliContext.of(cmd);
      const asOf = parseAsOf(opts.asOf);
      const lake = await context.lake();
      const { run, result } = await lake.quality.run(ruleset, opts.table, { asOf });
      if (run.status === 'failed') {
        throw new LakeError(
          (run.error?.code ?? 'INTERNAL') as ErrorCode,
          `${run.error?.message ?? 'the evaluation failed'} (run ${run.id})`,
        );
      }
      if (run.status === 'cancelled') process.exitCode = ExitCode.cancelled;
      else if (result && !result.passed) process.exitCode = ExitCode.partial;
      if (context.output.json) return context.output.data({ run, result: result ?? null });
      if (!result) return context.output.line(`Run ${run.id} was cancelled.`);
      printOutcomes(context.output, result);
      context.output.line(
        `${result.passed ? 'Passed' : 'FAILED'}: ${result.rulesPassed} of ${result.rulesTotal} rule(s) passed (score ${formatScore(result.score)}) on ${result.target}${result.snapshotId !== null ? ` at snapshot ${result.snapshotId}` : ''} (run ${run.id}, result ${result.id})`,
      );
    });
  command
    .command('results')
    .description('stored evaluation results, newest first')
    .argument('[ruleset]', 'only results of this ruleset')
    .option('--table <table>', 'only results on this table')
    .option('--failed', 'only results that failed')
    .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 20)
    .option('--rules', "show each result's rules")
    .action(
      async (
        ruleset: string | undefined,
        opts: { table?: string; failed?: boolean; limit: number; rules?: boolean },
        cmd: Command,
      ) => {
        const context = CliContext.of(cmd);
        const results = await (
          await context.lake()
        ).quality.results({
          ruleset,
          target: opts.table,
          passed: opts.failed ? false : undefined,
          limit: opts.limit,
        });
        if (context.output.json) return context.output.data(results);
        if (results.length === 0) return context.output.line('No results.');
        context.output.table(
          results.map((r) => ({
            result: r.id,
            ruleset: r.ruleset ?? '',
            target: r.target,
            snapshot: r.snapshotId ?? '',
            outcome: r.passed ? 'passed' : 'failed',
            score: formatScore(r.score),
            rules: `${r.rulesPassed}/${r.rulesTotal}`,
            rows: r.rowCount,
            run: r.runId ?? '',
            evaluated: r.endedAt.toISOString(),
          })),
        );
        if (opts.rules) {
          for (const result of results) {
            context.output.line();
            context.output.line(`Result ${result.id}:`);
            printOutcomes(context.output, result);
          }
        }
      },
    );
  return command;
}

async function rulesFrom(opts: { rules?: string; rulesText?: string }): Promise<string> {
  if ((opts.rules === undefined) === (opts.rulesText === undefined)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      'Give the rules either as a file (--rules FILE) or as text (--rules-text TEXT).',
    );
  }
  if (opts.rulesText !== undefined) return opts.rulesText;
  const path = resolve(opts.rules!);
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new LakeError('FILE_NOT_FOUND', `Cannot read the rules file ${path}.`);
  }
}

function printOutcomes(output: Output, result: QualityResult): void {
  output.table(
    result.outcomes.map((o) => ({
      rule: o.name,
      outcome: o.passed ? 'passed' : 'FAILED',
      text: o.rule.length > 60 ? `${o.rule.slice(0, 57)}...` : o.rule,
      observed: o.observed === null ? '' : formatScore(o.observed),
      'failing rows': o.failingRows ?? '',
      message: o.message,
    })),
  );
  for (const o of result.outcomes) {
    if (o.sampleRows.length === 0) continue;
    output.line(`${o.name} failing rows (up to 5):`);
    for (const row of o.sampleRows) output.line(`  ${JSON.stringify(row)}`);
  }
}

function formatScore(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4).replace(/0+$/, '');
}
