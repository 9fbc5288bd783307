import type { Kysely, Selectable } from 'kysely';
import type { EventLog } from '../../events/event-log.js';
import type { JsonValue } from '../../engine/query-result.js';
import type { MetaSchema } from '../../meta/schema.js';
import type { QualityResultRow, QualityRuleResultRow } from '../../meta/schema-quality.js';
import type {
  QualityReport,
  QualityResult,
  QualityResultQuery,
  RuleOutcome,
} from '../quality-types.js';

/**
 * Evaluation results in the metadata database, one row per result and one per rule. Saving
 * appends `quality.succeeded` or `quality.failed` in the same transaction, so an event is
 * never seen for a result that is not there.
 */
export class ResultStore {
  constructor(
    private readonly db: Kysely<MetaSchema>,
    private readonly events: EventLog,
  ) {}

  async save(report: QualityReport, runId: string | null): Promise<QualityResult> {
    const id = await this.db.transaction().execute(async (trx) => {
      const { result_id } = await trx
        .insertInto('lb_quality_result')
        .values({
          ruleset: report.ruleset,
          target: report.target,
          snapshot_id: report.snapshotId,
          run_id: runId,
          passed: report.passed ? 1 : 0,
          score: report.score,
          rules_passed: report.rulesPassed,
          rules_total: report.rulesTotal,
          row_count: report.rowCount,
          started_at: report.startedAt.getTime(),
          ended_at: report.endedAt.getTime(),
        })
        .returning('result_id')
        .executeTakeFirstOrThrow();
      if (report.outcomes.length > 0) {
        await trx
          .insertInto('lb_quality_rule_result')
          .values(
            report.outcomes.map((o, position) => ({
              result_id,
              position,
              name: o.name,
              rule: o.rule,
              rule_type: o.type,
              passed: o.passed ? 1 : 0,
              observed: o.observed !== null && Number.isFinite(o.observed) ? o.observed : null,
              message: o.message,
              row_level: o.rowLevel ? 1 : 0,
              failing_rows: o.failingRows,
              sample_rows: JSON.stringify(o.sampleRows),
            })),
          )
          .execute();
      }
      await this.events.append(
        {
          type: report.passed ? 'quality.succeeded' : 'quality.failed',
          subject: report.target,
          payload: {
            resultId: result_id,
            ruleset: report.ruleset,
            table: report.target,
            snapshotId: report.snapshotId,
            score: report.score,
            rulesPassed: report.rulesPassed,
            rulesTotal: report.rulesTotal,
            runId,
          },
        },
        trx,
      );
      return result_id;
    });
    const { rowChecks: _rowChecks, ...stored } = report;
    return { id, runId, ...stored };
  }

  /** Results, newest first, with their per-rule outcomes. */
  async list(query: QualityResultQuery = {}): Promise<QualityResult[]> {
    let select = this.db.selectFrom('lb_quality_result').selectAll();
    if (query.ruleset !== undefined) select = select.where('ruleset', '=', query.ruleset);
    if (query.target !== undefined) select = select.where('target', '=', query.target);
    if (query.passed !== undefined) select = select.where('passed', '=', query.passed ? 1 : 0);
    const rows = await select
      .orderBy('result_id', 'desc')
      .limit(query.limit ?? 50)
      .execute();
    if (rows.length === 0) return [];
    const ruleRows = await this.db
      .selectFrom('lb_quality_rule_result')
      .selectAll()
      .where(
        'result_id',
        'in',
        rows.map((r) => r.result_id),
      )
      .orderBy('result_id')
      .orderBy('position')
      .execute();
    const byResult = new Map<number, RuleOutcome[]>();
    for (const row of ruleRows) {
      const list = byResult.get(Number(row.result_id)) ?? [];
      list.push(toOutcome(row));
      byResult.set(Number(row.result_id), list);
    }
    return rows.map((row) => toResult(row, byResult.get(row.result_id) ?? []));
  }

  /** The result a run produced, if it got that far. */
  async forRun(runId: string): Promise<QualityResult | undefined> {
    const row = await this.db
      .selectFrom('lb_quality_result')
      .select('result_id')
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (!row) return undefined;
    return (await this.get(row.result_id)) ?? undefined;
  }

  async get(id: number): Promise<QualityResult | undefined> {
    const row = await this.db
      .selectFrom('lb_quality_result')
      .selectAll()
      .where('result_id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const rules = await this.db
      .selectFrom('lb_quality_rule_result')
      .selectAll()
      .where('result_id', '=', id)
      .orderBy('position')
      .execute();
    return toResult(row, rules.map(toOutcome));
  }
}

function toResult(row: Selectable<QualityResultRow>, outcomes: RuleOutcome[]): QualityResult {
  return {
    id: row.result_id,
    ruleset: row.ruleset,
    target: row.target,
    snapshotId: row.snapshot_id,
    runId: row.run_id,
    rowCount: row.row_count,
    passed: row.passed === 1,
    score: row.score,
    rulesPassed: row.rules_passed,
    rulesTotal: row.rules_total,
    outcomes,
    startedAt: new Date(row.started_at),
    endedAt: new Date(row.ended_at),
  };
}

function toOutcome(row: Selectable<QualityRuleResultRow>): RuleOutcome {
  return {
    name: row.name,
    rule: row.rule,
    type: row.rule_type,
    passed: row.passed === 1,
    observed: row.observed,
    message: row.message,
    rowLevel: row.row_level === 1,
    failingRows: row.failing_rows,
    sampleRows: JSON.parse(row.sample_rows) as Array<Record<string, JsonValue>>,
  };
}
