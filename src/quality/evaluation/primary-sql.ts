/**
 * Glue's CustomSql names the data `primary`, which is a reserved word in DuckDB's SQL. The
 * data is bound as the CTE `"primary"`, and a bare `primary` in rule SQL is quoted to match:
 * outside string literals, quoted identifiers and comments, and not after a dot.
 */
export function quotePrimary(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const skip = skippedSpan(sql, i);
    if (skip > i) {
      out += sql.slice(i, skip);
      i = skip;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i, i + 128));
    if (word) {
      const previous = out.trimEnd().at(-1);
      out += word[0].toLowerCase() === 'primary' && previous !== '.' ? '"primary"' : word[0];
      i += word[0].length;
      continue;
    }
    out += ch;
    i += 1;
  }
  return out;
}

/** The end of a string literal, quoted identifier or comment starting at `i`, else `i`. */
function skippedSpan(sql: string, i: number): number {
  const ch = sql[i];
  if (ch === "'" || ch === '"') {
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === ch) {
        if (sql[j + 1] === ch) j += 2;
        else return j + 1;
      } else j += 1;
    }
    return sql.length;
  }
  if (sql.startsWith('--', i)) {
    const end = sql.indexOf('\n', i);
    return end < 0 ? sql.length : end;
  }
  if (sql.startsWith('/*', i)) {
    const end = sql.indexOf('*/', i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return i;
}

/** `select` with the data bound as `"primary"`. */
export function withPrimary(relation: string, select: string): string {
  return `WITH "primary" AS (${relation}) ${select}`;
}

/** Rule SQL as a subquery: `primary` quoted, a trailing semicolon dropped. */
export function ruleSubquery(sql: string): string {
  return quotePrimary(sql.trim().replace(/;\s*$/, ''));
}
