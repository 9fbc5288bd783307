import type { Position } from './token.js';

/** A time unit of a duration operand (`24 hours`), as DQDL writes it. */
export type TimeUnit = 'minutes' | 'hours' | 'days';

/** A value on the right of a constraint. */
export type Operand =
  | { kind: 'number'; value: number; unit?: TimeUnit }
  | { kind: 'string'; value: string }
  /** DQDL's keywords for a missing value, an empty string and a blank string. */
  | { kind: 'null' }
  | { kind: 'empty' }
  | { kind: 'whitespaces_only' };

export type Comparison = '=' | '!=' | '>' | '>=' | '<' | '<=';

/** DQDL's "expression": what an observed value (or each row's value) must satisfy. */
export type Constraint = { negated: boolean } & (
  | { op: Comparison; operand: Operand }
  | { op: 'between'; low: Operand; high: Operand }
  | { op: 'in'; operands: Operand[] }
  | { op: 'matches'; pattern: string }
);

/** One rule as written: `ColumnValues "amount" between 0 and 10000 with threshold > 0.9`. */
export interface SimpleRule {
  kind: 'rule';
  /** The rule type, case-sensitive as in DQDL: `IsComplete`, `ColumnValues`, ... */
  type: string;
  /** The quoted parameters (column names, a reference, a SQL statement). */
  params: string[];
  constraint?: Constraint;
  threshold?: Constraint;
  /** The rule's own text, normalised to single spaces, for results and quarantine rows. */
  text: string;
  at: Position;
}

/** `(A) and (B)`, `(A) or (B) or (C)`. */
export interface CompositeRule {
  kind: 'composite';
  operator: 'and' | 'or';
  rules: RuleNode[];
  text: string;
  at: Position;
}

export type RuleNode = SimpleRule | CompositeRule;

/** A parsed ruleset: the top-level rules, in order. */
export interface RulesetAst {
  rules: RuleNode[];
}
