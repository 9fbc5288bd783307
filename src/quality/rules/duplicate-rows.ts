/**
 * A measure: the number of rows of `"primary"` (among those matching `where`) whose values of
 * `columns` occur more than once. One GROUP BY instead of a window over every row.
 */
export function duplicateRowsSql(columns: string[], where: string): string {
  const keys = columns.join(', ');
  return `(SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM "primary" WHERE ${where} GROUP BY ${keys} HAVING count(*) > 1))`;
}
