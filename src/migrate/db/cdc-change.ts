/** Source values by source column name, as text in the form the change table's CSV reads. */
export type RowText = Record<string, string | null>;

/** One row change as it goes into a change table. */
export interface Change {
  op: 'I' | 'U' | 'D' | 'T';
  lsn: bigint;
  seq: number;
  commitTs: string;
  values: RowText | null;
  /**
   * Columns the source did not send because they did not change: pgoutput's 'u' for a value
   * stored out of line (TOAST). Filled in before the change is written (see fill-unchanged).
   */
  unchanged?: string[];
  /** The row's key values before an UPDATE that changed its key. */
  previousKey?: RowText;
  /** A delete that is the first half of such an UPDATE: the row lives on under its new key. */
  moved?: boolean;
}
