import type { Dialect } from 'kysely';

/**
 * What differs between the metadata backends, as data: code branches on these fields,
 * never on the backend's class.
 */
export interface MetaDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Column type of an auto-incrementing 53-bit-safe integer key. */
  readonly autoIdType: 'integer' | 'bigserial';
  /** Human-readable location without credentials, for messages. */
  readonly location: string;
  createKyselyDialect(): Dialect;
}
