import type { Dialect } from 'kysely';

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
  /** Human-readable location without credentials, for messages. */
  readonly location: string;
  createKyselyDialect(): Dialect;
}
