/**
 * One CSV field in the form DuckDB's reader (with `allow_quoted_nulls = false`) reads back
 * exactly: NULL is an unquoted empty field, every string is quoted (so '' stays ''), bytes
 * are DuckDB's `\xAB` escapes. Hand-written because values arrive one by one from drivers
 * and the rule is four lines; CSV libraries would add a dependency for no gain.
 */
export function csvField(value: unknown, blob = false): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Uint8Array) {
    const hex = Buffer.from(value).toString('hex').replace(/(..)/g, '\\x$1');
    return `"${hex}"`;
  }
  const text = blob
    ? Buffer.from(String(value)).toString('hex').replace(/(..)/g, '\\x$1')
    : String(value);
  return `"${text.replace(/"/g, '""')}"`;
}
