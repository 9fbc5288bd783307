/**
 * Where an event sits in delivery order: its transaction's id (0 on SQLite), then its own
 * id. Every event that may still become visible sorts after every position a reader has
 * been given (see EventLog.read), so a consumer that resumes after a position skips none.
 */
export interface EventPosition {
  tx: number;
  id: number;
}

/** Before every event. */
export const START: EventPosition = { tx: 0, id: 0 };

/** Negative when `a` comes first, positive when `b` does, 0 when equal. */
export function comparePositions(a: EventPosition, b: EventPosition): number {
  return a.tx - b.tx || a.id - b.id;
}
