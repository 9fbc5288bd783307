/**
 * The table that file loads set the rows they cannot read aside in, one per database
 * (`<database>.load_rejects`), as migration tasks do with `migration_rejects`. Its own
 * module so that the CLI can name it without loading the engine.
 */
export const LOAD_REJECTS_TABLE = 'load_rejects';

/** A row of the rejects table, for a row a load of `table` set aside. */
export function rejectRecord(
  table: { fullName: string },
  row: { file: string; line: number; reason: string; csvLine: string },
  rejectedAt: string,
): Record<string, string | number> {
  return {
    target_table: table.fullName,
    file: row.file,
    line: row.line,
    reason: row.reason,
    csv_line: row.csvLine,
    rejected_at: rejectedAt,
  };
}
