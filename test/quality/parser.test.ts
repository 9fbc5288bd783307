import { describe, expect, it } from 'vitest';
import { isLakeError, type LakeError } from '../../src/errors/lake-error.js';
import { parseRuleset } from '../../src/quality/language/parser.js';
import { RULE_SYNTAX } from '../../src/quality/rules/rule-types.js';
import { quotePrimary } from '../../src/quality/evaluation/primary-sql.js';

const parse = (text: string) => parseRuleset(text, RULE_SYNTAX);

function parseError(text: string): LakeError {
  try {
    parse(text);
  } catch (error) {
    if (isLakeError(error, 'RULESET_PARSE_ERROR')) return error;
    throw error;
  }
  throw new Error('expected a parse error');
}

describe('rule language', () => {
  it('parses every rule type, expressions, thresholds, comments and composites', () => {
    const ast = parse(`# orders must be sane
Rules = [
  RowCount between 1 and 1000000,
  IsComplete "id", IsUnique "id", IsPrimaryKey "order_id" "line",
  ColumnValues "status" in ["new", "paid", NULL],   # NULL allowed
  ColumnValues "amount" not between -1 and 0 with threshold >= 0.9,
  ColumnValues "code" matches "[A-Z]{3}",
  ColumnValues "note" != EMPTY,
  Completeness "email" > 0.95, Uniqueness "email" >= 0.99,
  ColumnLength "code" = 3, ColumnLength "name" between 1 and 40,
  DataFreshness "updated_at" <= 24 hours, Freshness "d" between 1 days and 7 days,
  ReferentialIntegrity "customer_id" "crm.customers.id" = 1.0,
  CustomSql "select count(*) from primary where amount < 0" = 0,
  ColumnExists "email", ColumnCount >= 3, DistinctValuesCount "status" < 10,
  Mean "amount" between 0 and 10000, Sum "amount" > 0, StandardDeviation "amount" < 5.5e3,
  (IsComplete "a") and (IsComplete "b") AND (RowCount > 0),
  (RowCount > 0) or ((IsComplete "a") and (IsUnique "a"))
]`);
    expect(ast.rules).toHaveLength(24);
    expect(ast.rules[4]).toMatchObject({
      kind: 'rule',
      type: 'ColumnValues',
      params: ['status'],
      constraint: {
        op: 'in',
        negated: false,
        operands: [
          { kind: 'string', value: 'new' },
          { kind: 'string', value: 'paid' },
          { kind: 'null' },
        ],
      },
      text: 'ColumnValues "status" in ["new", "paid", NULL]',
      at: { line: 5, column: 3 },
    });
    expect(ast.rules[5]).toMatchObject({
      constraint: { op: 'between', negated: true, low: { value: -1 }, high: { value: 0 } },
      threshold: { op: '>=', operand: { value: 0.9 } },
    });
    expect(ast.rules[3]).toMatchObject({ params: ['order_id', 'line'] });
    expect(ast.rules[12]).toMatchObject({
      constraint: { op: '<=', operand: { kind: 'number', value: 24, unit: 'hours' } },
    });
    expect(ast.rules[22]).toMatchObject({ kind: 'composite', operator: 'and' });
    expect(ast.rules[23]).toMatchObject({
      kind: 'composite',
      operator: 'or',
      rules: [{ kind: 'rule' }, { kind: 'composite', operator: 'and' }],
    });
  });

  it.each([
    ['IsComplete "id"', 1, 1, /expected Rules = \[/],
    ['Rules = [ IsComplete "id" ', 1, 27, /expected "," between rules or "\]".*found the end/],
    [
      'Rules = [\n  RowCount >\n]',
      3,
      1,
      /expected a number, a string in double quotes or NULL after ">", found "\]"/,
    ],
    [
      'Rules = [\n  IsComplete id\n]',
      2,
      14,
      /expected a column name in double quotes after "IsComplete", found "id"/,
    ],
    [
      'Rules = [\n  IsComplet "id"\n]',
      2,
      3,
      /unknown rule type "IsComplet"; did you mean IsComplete/,
    ],
    ['Rules = [ iscomplete "id" ]', 1, 11, /unknown rule type "iscomplete".*case-sensitive/],
    ['Rules = [ RowCount ]', 1, 20, /expected an expression after "RowCount"/],
    ['Rules = [ ColumnValues "a" between 1 ]', 1, 38, /expected "and" in between A and B/],
    [
      'Rules = [ ColumnValues "a" in ["x" "y"] ]',
      1,
      36,
      /expected "\]" to close the list of values/,
    ],
    ['Rules = [ IsComplete "a" > 1 ]', 1, 26, /IsComplete takes no expression/],
    ['Rules = [ IsComplete "id) ]', 1, 22, /this string has no closing double quote/],
    ['Rules = [ RowCount > 0 ; ]', 1, 24, /unexpected character ";"/],
    ['Rules = [ (IsComplete "a") and IsUnique "a" ]', 1, 32, /must be in parentheses/],
    ['Rules = [ (RowCount > 0) and (IsComplete "a") or (IsUnique "a") ]', 1, 47, /add parentheses/],
    ['Rules = [ ]', 1, 11, /at least one rule/],
    ['Rules = [ RowCount > 0 ] extra', 1, 26, /expected the end of the ruleset/],
    ['Rules = [ IsComplete "a" where "b > 0" ]', 1, 26, /where clauses are not supported/],
    ['Rules = [ RowCount > 0 with threshold > 0.5 ]', 1, 24, /RowCount takes no "with threshold"/],
  ])('refuses %j at line %i, column %i', (text, line, column, message) => {
    const error = parseError(text);
    expect(error.message).toMatch(new RegExp(`^Ruleset line ${line}, column ${column}: `));
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
    expect(error.details).toEqual({ line, column });
  });

  it('quotes a bare primary in rule SQL, and nothing else', () => {
    expect(
      quotePrimary(
        `select count(*) from primary p join x.primary on 'primary' = "primary" -- primary\nwhere PRIMARY.a > 0`,
      ),
    ).toBe(
      `select count(*) from "primary" p join x.primary on 'primary' = "primary" -- primary\nwhere "primary".a > 0`,
    );
  });
});
