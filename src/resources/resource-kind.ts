import type { ResourceEventPrefix } from '../events/event-catalogue.js';
import type { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from '../meta/schema.js';

/** The columns every resource table has; a kind's own columns come beside them. */
export interface ResourceColumns {
  name: string;
  created_at: number;
  updated_at: number;
}

/** A metadata table that holds one kind of named resource. */
export type ResourceTable = {
  [T in keyof MetaSchema]: MetaSchema[T] extends ResourceColumns ? T : never;
}[keyof MetaSchema];

/**
 * What a record store needs to know about one kind of resource: where its rows live, how a
 * record maps to columns and back, and the errors and events that carry its name. The store's
 * behaviour (create, get, list, update, delete, close names, events) is the same for all.
 */
export interface ResourceKind<R, Input> {
  readonly table: ResourceTable;
  /** Event types are `<eventPrefix>.created`, `.updated` and `.deleted`. */
  readonly eventPrefix: ResourceEventPrefix;
  /** The name as stored (e.g. lower-cased); identity when absent. */
  normalizeName?(name: string): string;
  /** Throws the kind's own error for a name it does not accept. */
  checkName?(name: string): void;
  /** The kind's own columns (not name, created_at, updated_at) for `input`. */
  encode(input: Input): Record<string, unknown>;
  decode(row: Record<string, unknown>): R;
  /** `close`: the stored names near `name`, closest first; `existing`: every stored name. */
  notFound(name: string, names: { close: string[]; existing: string[] }): LakeError;
  exists(name: string): LakeError;
}
