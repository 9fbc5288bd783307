/**
 * A hand-written recursive-descent parser for the rule language, modelled on AWS Glue's DQDL
 * (no published library parses DQDL, and the grammar is small):
 *
 *   ruleset    := 'Rules' '=' '[' rule (',' rule)* ']'
 *   rule       := operand (('and' | 'or') operand)*      one operator per level
 *   operand    := '(' rule ')' | simple                  composite parts are parenthesised
 *   simple     := RuleType STRING* constraint? ('with' 'threshold' constraint)?
 *   constraint := 'not'? ( cmp value | 'between' value 'and' value
 *                        | 'in' '[' value (',' value)* ']' | 'matches' STRING )
 *   value      := NUMBER unit? | STRING | 'NULL' | 'EMPTY' | 'WHITESPACES_ONLY'
 */
import { closeNames } from '../../catalog/close-names.js';
import { tokenize } from './lexer.js';
import type {
  Comparison,
  Constraint,
  Operand,
  RuleNode,
  RulesetAst,
  SimpleRule,
  TimeUnit,
} from './rule-ast.js';
import type { RuleSyntax } from './rule-syntax.js';
import { rulesetParseError } from './ruleset-parse-error.js';
import { describeToken, type Token } from './token.js';

const COMPARISONS = new Set<string>(['=', '!=', '>', '>=', '<', '<=']);
const UNITS: Record<string, TimeUnit> = {
  minute: 'minutes',
  minutes: 'minutes',
  hour: 'hours',
  hours: 'hours',
  day: 'days',
  days: 'days',
};
const VALUE_KEYWORDS: Record<string, Operand> = {
  NULL: { kind: 'null' },
  EMPTY: { kind: 'empty' },
  WHITESPACES_ONLY: { kind: 'whitespaces_only' },
};

/**
 * Parses ruleset text against the rule types in `grammar`.
 *
 * @throws LakeError RULESET_PARSE_ERROR naming the line, the column, what was expected and
 *   what was found.
 */
export function parseRuleset(text: string, grammar: ReadonlyMap<string, RuleSyntax>): RulesetAst {
  return new Parser(text, grammar).ruleset();
}

class Parser {
  readonly #tokens: Token[];
  #index = 0;

  constructor(
    private readonly text: string,
    private readonly grammar: ReadonlyMap<string, RuleSyntax>,
  ) {
    this.#tokens = tokenize(text);
  }

  ruleset(): RulesetAst {
    const head = this.#peek();
    if (!(head.kind === 'word' && head.text === 'Rules')) {
      throw this.#expected(
        'Rules = [ ... ] (a ruleset is a list, for example Rules = [ RowCount > 0, IsComplete "id" ])',
      );
    }
    this.#next();
    this.#expectSymbol('=', 'after Rules');
    this.#expectSymbol('[', 'after Rules =');
    const rules: RuleNode[] = [];
    if (this.#isSymbol(']')) throw this.#expected('at least one rule in Rules = [ ... ]');
    for (;;) {
      rules.push(this.#rule());
      if (this.#isSymbol(',')) {
        this.#next();
        continue;
      }
      if (this.#isSymbol(']')) break;
      throw this.#expected('"," between rules or "]" to end the list');
    }
    this.#next();
    if (this.#peek().kind !== 'end') throw this.#expected('the end of the ruleset after "]"');
    return { rules };
  }

  #rule(): RuleNode {
    const first = this.#peek();
    const parts = [this.#operand()];
    let operator: 'and' | 'or' | undefined;
    while (this.#isWord('and', 'or')) {
      const token = this.#next();
      const op = token.text.toLowerCase() as 'and' | 'or';
      if (operator && op !== operator) {
        throw rulesetParseError(
          token,
          `"${token.text}" follows "${operator}" at the same level; add parentheses to say which goes first, for example ((A) and (B)) or (C).`,
        );
      }
      operator = op;
      parts.push(this.#operand());
    }
    if (!operator) return parts[0]!.node;
    for (const part of parts) {
      if (!part.parenthesised) {
        throw rulesetParseError(
          part.node.at,
          `each rule joined with "${operator}" must be in parentheses, for example (IsComplete "id") ${operator} (IsUnique "id").`,
        );
      }
    }
    return {
      kind: 'composite',
      operator,
      rules: parts.map((p) => p.node),
      text: this.#textFrom(first),
      at: { line: first.line, column: first.column },
    };
  }

  #operand(): { node: RuleNode; parenthesised: boolean } {
    if (this.#isSymbol('(')) {
      this.#next();
      const node = this.#rule();
      this.#expectSymbol(')', 'to close the parenthesis');
      return { node, parenthesised: true };
    }
    return { node: this.#simple(), parenthesised: false };
  }

  #simple(): SimpleRule {
    const start = this.#peek();
    if (start.kind !== 'word') throw this.#expected('a rule type such as RowCount or IsComplete');
    const syntax = this.grammar.get(start.text);
    if (!syntax) {
      const close = closeNames(start.text, this.grammar.keys());
      throw rulesetParseError(
        start,
        `unknown rule type "${start.text}"${close.length ? `; did you mean ${close.join(', ')}?` : ''} (rule types are case-sensitive: ${[...this.grammar.keys()].join(', ')}).`,
      );
    }
    this.#next();
    const params: string[] = [];
    for (const name of syntax.params) {
      const token = this.#peek();
      if (token.kind !== 'string')
        throw this.#expected(`${name} in double quotes after ${this.#previousText()}`);
      params.push(this.#next().text);
    }
    while (syntax.repeatLastParam && this.#peek().kind === 'string') params.push(this.#next().text);
    if (this.#peek().kind === 'string') {
      throw rulesetParseError(
        this.#peek(),
        `${start.text} takes ${syntax.params.length} quoted parameter(s), found another: ${describeToken(this.#peek())}.`,
      );
    }
    const rule: SimpleRule = {
      kind: 'rule',
      type: start.text,
      params,
      text: '',
      at: { line: start.line, column: start.column },
    };
    if (syntax.constraint === 'required') rule.constraint = this.#constraint(start.text);
    else if (this.#startsConstraint()) {
      throw rulesetParseError(
        this.#peek(),
        `${start.text} takes no expression; found ${describeToken(this.#peek())}.`,
      );
    }
    if (this.#isWord('with')) {
      const withToken = this.#next();
      if (!syntax.threshold)
        throw rulesetParseError(withToken, `${start.text} takes no "with threshold".`);
      if (!this.#isWord('threshold')) throw this.#expected('"threshold" after "with"');
      this.#next();
      rule.threshold = this.#constraint('with threshold');
    }
    if (this.#isWord('where')) {
      throw rulesetParseError(
        this.#peek(),
        'where clauses are not supported yet; filter the data with CustomSql instead.',
      );
    }
    rule.text = this.#textFrom(start);
    return rule;
  }

  #startsConstraint(): boolean {
    const token = this.#peek();
    return (
      (token.kind === 'symbol' && COMPARISONS.has(token.text)) ||
      this.#isWord('not', 'between', 'in', 'matches')
    );
  }

  #constraint(after: string): Constraint {
    let negated = false;
    if (this.#isWord('not')) {
      this.#next();
      negated = true;
    }
    const token = this.#peek();
    if (token.kind === 'symbol' && COMPARISONS.has(token.text)) {
      this.#next();
      return { negated, op: token.text as Comparison, operand: this.#value(token.text) };
    }
    if (this.#isWord('between')) {
      this.#next();
      const low = this.#value('between');
      if (!this.#isWord('and')) throw this.#expected('"and" in between A and B');
      this.#next();
      return { negated, op: 'between', low, high: this.#value('and') };
    }
    if (this.#isWord('in')) {
      this.#next();
      this.#expectSymbol('[', 'after in');
      const operands = [this.#value('[')];
      while (this.#isSymbol(',')) {
        this.#next();
        operands.push(this.#value(','));
      }
      this.#expectSymbol(']', 'to close the list of values');
      return { negated, op: 'in', operands };
    }
    if (this.#isWord('matches')) {
      this.#next();
      const pattern = this.#peek();
      if (pattern.kind !== 'string')
        throw this.#expected('a regular expression in double quotes after matches');
      this.#next();
      return { negated, op: 'matches', pattern: pattern.text };
    }
    throw this.#expected(
      `an expression after ${after === 'with threshold' ? 'with threshold' : this.#previousText()}: = > >= < <= != followed by a value, between A and B, in [...], or matches "regex"`,
    );
  }

  #value(after: string): Operand {
    const token = this.#peek();
    if (token.kind === 'number') {
      this.#next();
      const value = Number(token.text);
      const unit =
        this.#peek().kind === 'word' ? UNITS[this.#peek().text.toLowerCase()] : undefined;
      if (unit) this.#next();
      return unit ? { kind: 'number', value, unit } : { kind: 'number', value };
    }
    if (token.kind === 'string') {
      this.#next();
      return { kind: 'string', value: token.text };
    }
    if (token.kind === 'word' && VALUE_KEYWORDS[token.text]) {
      this.#next();
      return VALUE_KEYWORDS[token.text]!;
    }
    throw this.#expected(`a number, a string in double quotes or NULL after "${after}"`);
  }

  #peek(): Token {
    return this.#tokens[this.#index]!;
  }

  #next(): Token {
    const token = this.#tokens[this.#index]!;
    if (token.kind !== 'end') this.#index += 1;
    return token;
  }

  #previousText(): string {
    const previous = this.#tokens[this.#index - 1];
    return previous ? `"${this.text.slice(previous.offset, previous.end)}"` : 'the start';
  }

  #isSymbol(symbol: string): boolean {
    const token = this.#peek();
    return token.kind === 'symbol' && token.text === symbol;
  }

  /** Keywords are case-insensitive (DQDL's own examples write both `and` and `AND`). */
  #isWord(...words: string[]): boolean {
    const token = this.#peek();
    return token.kind === 'word' && words.includes(token.text.toLowerCase());
  }

  #expectSymbol(symbol: string, context: string): void {
    if (!this.#isSymbol(symbol)) throw this.#expected(`"${symbol}" ${context}`);
    this.#next();
  }

  #expected(what: string) {
    const token = this.#peek();
    return rulesetParseError(token, `expected ${what}, found ${describeToken(token)}.`);
  }

  /** The source text from `start` to the last token read, on one line. */
  #textFrom(start: Token): string {
    const last = this.#tokens[this.#index - 1]!;
    return this.text.slice(start.offset, last.end).replace(/\s+/g, ' ');
  }
}
