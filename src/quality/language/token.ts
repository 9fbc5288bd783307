/** Where a token starts in the ruleset text, 1-based, for error messages. */
export interface Position {
  line: number;
  column: number;
}

export type TokenKind = 'word' | 'string' | 'number' | 'symbol' | 'end';

export interface Token extends Position {
  kind: TokenKind;
  /** The word, the unquoted string, the number as written, or the symbol. */
  text: string;
  /** Where the token starts and ends in the text (end exclusive). */
  offset: number;
  end: number;
}

/** How a token reads in an error message: `"]"`, `the string "abc"`, `the end of the text`. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the ruleset';
    case 'string':
      return `the string ${JSON.stringify(token.text)}`;
    default:
      return `"${token.text}"`;
  }
}
