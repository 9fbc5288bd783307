import { rulesetParseError } from './ruleset-parse-error.js';
import type { Token } from './token.js';

const SYMBOLS = ['>=', '<=', '!=', '=', '>', '<', '[', ']', '(', ')', ',', '{', '}', ':'];

/**
 * Splits DQDL text into words, double-quoted strings (with `\"` and `\\` escapes), numbers
 * and symbols, each with its line and column. `#` starts a comment that runs to the end of
 * the line, as in DQDL.
 *
 * @throws LakeError RULESET_PARSE_ERROR for an unterminated string or a stray character.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const at = (index: number) => ({ line, column: index - lineStart + 1 });
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') {
      i += 1;
      line += 1;
      lineStart = i;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i += 1;
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i += 1;
      continue;
    }
    if (ch === '"') {
      const start = at(i);
      const startIndex = i;
      let value = '';
      i += 1;
      for (;;) {
        const c = text[i];
        if (c === undefined || c === '\n')
          throw rulesetParseError(start, 'this string has no closing double quote.');
        if (c === '"') break;
        if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          value += text[i + 1];
          i += 2;
          continue;
        }
        value += c;
        i += 1;
      }
      i += 1;
      tokens.push({ kind: 'string', text: value, ...start, offset: startIndex, end: i });
      continue;
    }
    const number = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (number && (ch !== '-' || /[\d.]/.test(text[i + 1] ?? ''))) {
      tokens.push({
        kind: 'number',
        text: number[0],
        ...at(i),
        offset: i,
        end: i + number[0].length,
      });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], ...at(i), offset: i, end: i + word[0].length });
      i += word[0].length;
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i));
    if (symbol) {
      tokens.push({ kind: 'symbol', text: symbol, ...at(i), offset: i, end: i + symbol.length });
      i += symbol.length;
      continue;
    }
    throw rulesetParseError(
      at(i),
      `unexpected character ${JSON.stringify(ch)}; rules are written like IsComplete "id" or RowCount > 0.`,
    );
  }
  tokens.push({ kind: 'end', text: '', ...at(i), offset: i, end: i });
  return tokens;
}
