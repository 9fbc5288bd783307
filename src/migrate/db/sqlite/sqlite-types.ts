/**
 * The lake type of a SQLite column from its declared type, following SQLite's affinity rules
 * (https://sqlite.org/datatype3.html §3.1), with the common declared names that say more
 * (DECIMAL(p,s), BOOLEAN, DATE, DATETIME) kept. docs/migrate.md lists the mapping.
 */
export function sqliteLakeType(declared: string): string {
  const type = declared.toUpperCase().trim();
  if (type.includes('INT')) return 'BIGINT';
  if (/CHAR|CLOB|TEXT/.test(type)) return 'VARCHAR';
  if (type === '') return 'VARCHAR'; // no affinity: values of any kind, kept as text
  if (type.includes('BLOB')) return 'BLOB';
  if (/REAL|FLOA|DOUB/.test(type)) return 'DOUBLE';
  const decimal = /^(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/.exec(type);
  if (decimal && Number(decimal[1]) <= 38) return `DECIMAL(${decimal[1]},${decimal[2] ?? 0})`;
  if (type.startsWith('BOOL')) return 'BOOLEAN';
  if (type === 'DATE') return 'DATE';
  if (/^(DATETIME|TIMESTAMP)/.test(type)) return 'TIMESTAMP';
  return 'DOUBLE';
}
