import type { AsOf } from '../catalog/catalog-types.js';
import type { LakeServices } from '../lake-services.js';
import { LakeError } from '../errors/lake-error.js';
import { KindRuns } from '../runs/kind-runs.js';
import type { Run } from '../runs/run.js';
import { RecordStore } from '../resources/record-store.js';
import type { RunContext, RunOutcome } from '../runs/run-executor.js';
import { quoteIdentifier } from '../catalog/identifier.js';
import { evaluateRuleset, type EvaluationData } from './evaluation/ruleset-evaluator.js';
import { partitionSql, type PartitionedSql } from './evaluation/row-partition.js';
import { parseRuleset } from './language/parser.js';
import type { RulesetAst } from './language/rule-ast.js';
import { RULE_SYNTAX } from './rules/rule-types.js';
import { ResultStore } from './store/result-store.js';
import { RULESET_KIND, type NewRuleset } from './store/ruleset-kind.js';
import type {
  QualityReport,
  QualityResult,
  QualityResultQuery,
  QualityTarget,
  RowCheck,
  Ruleset,
} from './quality-types.js';

/** The rules to evaluate: a stored ruleset by name, or DQDL text. */
export type RulesSource = { ruleset: string } | { rules: string };

export interface EvaluateOptions {
  /** Store the result and emit its event (default true). */
  record?: boolean;
  /** The run the evaluation belongs to (a job run using rules as a gate), kept with the result. */
  runId?: string;
}

/** A standalone evaluation as a run, with the result it stored (none when it failed). */
export interface QualityRun {
  run: Run;
  result: QualityResult | undefined;
}

interface QualityRunParameters {
  ruleset: string;
  table: string;
  /** A snapshot id, or a time as an ISO string. */
  asOf?: number | string;
}

/**
 * Data quality, the Glue Data Quality counterpart: rulesets in a DQDL-like language, evaluated
 * against a catalog table (as a `quality` run) or against a relation that is not committed
 * yet (a job's gate), with results stored and emitted as `quality.succeeded` / `quality.failed`.
 *
 * @example
 * await lake.quality.createRuleset('orders_ok', 'Rules = [ RowCount > 0, IsUnique "id" ]');
 * const { result } = await lake.quality.run('orders_ok', 'sales.orders');
 * console.log(result?.score); // 1
 */
export class QualityService {
  readonly #services: LakeServices;
  readonly #rulesets: RecordStore<Ruleset, NewRuleset>;
  readonly #results: ResultStore;
  readonly #runs: KindRuns;

  constructor(services: LakeServices) {
    this.#services = services;
    this.#rulesets = new RecordStore(services.db, services.events, RULESET_KIND);
    this.#results = new ResultStore(services.db, services.events);
    this.#runs = new KindRuns(services, 'quality', 'quality run');
    services.executor.register('quality', (ctx) => this.#runHandler(ctx));
  }

  /**
   * Checks DQDL text and returns its top-level rules, one line each.
   *
   * @example lake.quality.check('Rules = [ RowCount > 0 ]'); // ['RowCount > 0']
   * @throws LakeError RULESET_PARSE_ERROR naming the line and column.
   */
  check(rules: string): string[] {
    return parse(rules).rules.map((r) => r.text);
  }

  /**
   * Saves a ruleset; with `replace`, an existing one of the name takes the new rules.
   *
   * @example await lake.quality.createRuleset('orders_ok', 'Rules = [ IsComplete "id" ]', { description: 'orders' });
   * @throws LakeError RULESET_PARSE_ERROR, RULESET_EXISTS, INVALID_IDENTIFIER.
   */
  async createRuleset(
    name: string,
    rules: string,
    options: { description?: string; replace?: boolean } = {},
  ): Promise<Ruleset> {
    parse(rules);
    if (options.replace && (await this.#rulesets.find(name))) {
      return this.#rulesets.update(name, {
        rules,
        ...(options.description !== undefined ? { description: options.description } : {}),
      });
    }
    return this.#rulesets.create({ name, rules, description: options.description ?? null });
  }

  /** @throws LakeError RULESET_NOT_FOUND (with close names). */
  async getRuleset(name: string): Promise<Ruleset> {
    return this.#rulesets.get(name);
  }

  /** Every ruleset, by name. */
  async listRulesets(): Promise<Ruleset[]> {
    return this.#rulesets.list();
  }

  /** Deletes a ruleset; its results stay queryable. @throws LakeError RULESET_NOT_FOUND. */
  async deleteRuleset(name: string): Promise<void> {
    await this.#rulesets.delete(name);
  }

  /**
   * Evaluates a stored ruleset against a table as a recorded run of kind `quality` and waits
   * for it. The run ends `succeeded` when every rule passed, `succeeded_with_errors` when
   * some failed, and `failed` when the rules could not be evaluated (unknown column, SQL
   * error); its metrics hold the score.
   *
   * @example const { run, result } = await lake.quality.run('orders_ok', 'sales.orders', { asOf: 42 });
   * @throws LakeError RULESET_NOT_FOUND, INVALID_IDENTIFIER, TABLE_NOT_FOUND, SNAPSHOT_* (all
   *   before any run is recorded).
   */
  async run(ruleset: string, table: string, options: { asOf?: AsOf } = {}): Promise<QualityRun> {
    return this.#withResult(await this.#runs.untilEnded(this.start(ruleset, table, options)));
  }

  /**
   * Starts evaluating a stored ruleset against a table as a run of kind `quality` and returns
   * the run at once; `wait(run.id)` gives it ended with its result.
   *
   * @example const run = await lake.quality.start('orders_ok', 'sales.orders');
   * @throws LakeError RULESET_NOT_FOUND, INVALID_IDENTIFIER, TABLE_NOT_FOUND, SNAPSHOT_*.
   */
  async start(ruleset: string, table: string, options: { asOf?: AsOf } = {}): Promise<Run> {
    await this.#rulesets.get(ruleset);
    // Input the run would only fail on is refused before the run exists.
    const found = await this.#services.catalog.getTable(table);
    await this.#services.catalog.snapshotAsOf(found, options.asOf);
    const parameters: QualityRunParameters = { ruleset, table };
    if (options.asOf !== undefined)
      parameters.asOf = options.asOf instanceof Date ? options.asOf.toISOString() : options.asOf;
    return this.#services.executor.submit('quality', {
      name: `${ruleset} on ${table}`,
      parameters: { ...parameters },
    });
  }

  /**
   * Resolves once a quality run has ended, with its result (none when it failed to evaluate).
   * @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (not a quality run).
   */
  async wait(runId: string, options: { signal?: AbortSignal } = {}): Promise<QualityRun> {
    return this.#withResult(await this.#runs.wait(runId, options));
  }

  /** @throws LakeError RUN_NOT_FOUND, INVALID_ARGUMENT (not a quality run), RUN_NOT_CANCELLABLE. */
  cancel(runId: string): Promise<Run> {
    return this.#runs.cancel(runId);
  }

  async #withResult(run: Run): Promise<QualityRun> {
    return { run, result: await this.#results.forRun(run.id) };
  }

  /**
   * Evaluates rules against a table (at a snapshot) or a not-yet-committed relation, and
   * returns per-rule outcomes and, for row-level rules, SQL row checks that `partition`
   * turns into a passing and a quarantine SELECT. This is the entry point for gates.
   *
   * @example
   * const report = await lake.quality.evaluate(
   *   { rules: 'Rules = [ ColumnValues "amount" >= 0 ]' },
   *   { sql: "select * from read_parquet('/staging/*.parquet')", label: 'sales.orders (staged)' },
   *   { runId: jobRun.id },
   * );
   * @throws LakeError RULESET_PARSE_ERROR, COLUMN_NOT_FOUND, TABLE_NOT_FOUND, SQL_ERROR.
   */
  async evaluate(
    source: RulesSource,
    target: QualityTarget,
    options: EvaluateOptions = {},
  ): Promise<QualityReport & { resultId?: number }> {
    const { name, ast } = await this.#rules(source);
    const data = await this.#data(target);
    const report = await evaluateRuleset(
      ast,
      data,
      { queries: await this.#services.queries(), catalog: this.#services.catalog },
      name,
    );
    if (options.record === false) return report;
    const stored = await this.#results.save(report, options.runId ?? null);
    return { ...report, resultId: stored.id };
  }

  /**
   * Splits a relation into the rows that pass the row checks and those that fail one, with
   * the failed rules' text in `_failed_rules`. By default only the checks of rules that
   * failed are applied (rows failing a rule that passed on a ratio stay in).
   *
   * @example const { passing, quarantine } = lake.quality.partition(report, stagedSql);
   */
  partition(
    report: Pick<QualityReport, 'rowChecks'>,
    relation: string,
    options: { rules?: 'failed' | 'all' } = {},
  ): PartitionedSql {
    const checks: RowCheck[] =
      options.rules === 'all' ? report.rowChecks : report.rowChecks.filter((c) => !c.passed);
    return partitionSql(relation, checks);
  }

  /**
   * Stored results, newest first, filtered by ruleset, target and outcome.
   *
   * @example await lake.quality.results({ ruleset: 'orders_ok', limit: 10 });
   */
  async results(query: QualityResultQuery = {}): Promise<QualityResult[]> {
    return this.#results.list(query);
  }

  /** One stored result, or undefined. */
  async result(id: number): Promise<QualityResult | undefined> {
    return this.#results.get(id);
  }

  async #runHandler(ctx: RunContext): Promise<RunOutcome> {
    const p = ctx.parameters as unknown as QualityRunParameters;
    const asOf = typeof p.asOf === 'string' ? new Date(p.asOf) : p.asOf;
    await ctx.info(
      `evaluating ruleset ${p.ruleset} on ${p.table}${asOf !== undefined ? ` as of ${p.asOf}` : ''}`,
    );
    const report = await this.evaluate(
      { ruleset: p.ruleset },
      { table: p.table, asOf },
      { runId: ctx.run.id },
    );
    for (const outcome of report.outcomes) {
      await ctx.log(
        outcome.passed ? 'info' : 'warn',
        `${outcome.name} ${outcome.passed ? 'passed' : 'FAILED'}: ${outcome.rule} (${outcome.message})`,
      );
    }
    const metrics: Record<string, number> = {
      score: report.score,
      rulesPassed: report.rulesPassed,
      rulesFailed: report.rulesTotal - report.rulesPassed,
      rulesTotal: report.rulesTotal,
      rowCount: report.rowCount,
      resultId: report.resultId!,
    };
    if (report.snapshotId !== null) metrics['snapshotId'] = report.snapshotId;
    return { status: report.passed ? 'succeeded' : 'succeeded_with_errors', metrics };
  }

  async #rules(source: RulesSource): Promise<{ name: string | null; ast: RulesetAst }> {
    if ('ruleset' in source) {
      const ruleset = await this.#rulesets.get(source.ruleset);
      return { name: ruleset.name, ast: parse(ruleset.rules) };
    }
    return { name: null, ast: parse(source.rules) };
  }

  async #data(target: QualityTarget): Promise<EvaluationData> {
    if ('table' in target) {
      const table = await this.#services.catalog.getTable(target.table);
      const snapshot = await this.#services.catalog.snapshotAsOf(table, target.asOf);
      const schema = await this.#services.catalog.schema(
        table,
        snapshot?.schemaId ?? table.currentSchemaId,
      );
      return {
        target: table.fullName,
        relation: `SELECT * FROM ${quoteIdentifier(table.database)}.${quoteIdentifier(table.name)}`,
        columns: schema.columns,
        table: table.fullName,
        asOf: target.asOf,
      };
    }
    if (typeof target.sql !== 'string' || target.sql.trim() === '') {
      throw new LakeError('INVALID_ARGUMENT', 'Give the relation to evaluate as one SELECT.');
    }
    const relation = target.sql.trim().replace(/;\s*$/, '');
    const queries = await this.#services.queries();
    const probe = await queries.query(`SELECT * FROM (${relation}) LIMIT 0`, {
      asOf: target.asOf,
      database: target.database,
    });
    return {
      target: target.label ?? 'the relation',
      relation,
      columns: probe.columns.map((c) => ({ name: c.name, type: c.type, nullable: true })),
      asOf: target.asOf,
      database: target.database,
    };
  }
}

function parse(rules: string): RulesetAst {
  if (typeof rules !== 'string') {
    throw new LakeError(
      'INVALID_ARGUMENT',
      'Rules must be DQDL text, e.g. Rules = [ RowCount > 0 ].',
    );
  }
  return parseRuleset(rules, RULE_SYNTAX);
}
