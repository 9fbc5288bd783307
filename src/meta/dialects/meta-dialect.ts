import type { Dialect, Kysely } from 'kysely';

/**
 * What differs between the metadata backends, as data: code branches on these fields,
 * never on the backend's class.
 */
export interface MetaDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Column type of an auto-incrementing 53-bit-safe integer key. */
  readonly autoIdType: 'integer' | 'bigserial';
  /**
   * Several transactions write at once (PostgreSQL), so an id taken at insert may commit
   * after a greater one; false where writers take turns (SQLite's one writer at a time).
   */
  readonly concurrentWriters: boolean;
  /**
   * Notifications that a transaction sends and other processes receive once it commits
   * (PostgreSQL's NOTIFY and LISTEN); absent where readers poll (SQLite).
   */
  readonly notifications?: CommitNotifications;
  /** Human-readable location without credentials, for messages. */
  readonly location: string;
  createKyselyDialect(): Dialect;
}

/** A listening connection; `close` ends it. */
export interface Listener {
  close(): Promise<void>;
}

export interface CommitNotifications {
  /** Queues a notification on `channel` inside `trx`: it is delivered when `trx` commits. */
  notify(trx: Kysely<never>, channel: string): Promise<void>;
  /**
   * Calls `onNotify` for each notification on `channel`, over a connection of its own;
   * `onError` hears that the connection broke (listen again to resume).
   */
  listen(
    channel: string,
    onNotify: () => void,
    onError: (error: unknown) => void,
  ): Promise<Listener>;
}
