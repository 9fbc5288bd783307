/**
 * Values as logical replication sends them, turned into the text a full load's COPY gives:
 * its own module because it needs pg's array parser, and only change data capture (loaded
 * on first use) does.
 */
import pg from 'pg';
import type { PostgresType } from './postgres-types.js';

const arrayParser = (
  pg.types as unknown as {
    arrayParser: {
      create(text: string, transform: (v: string | null) => unknown): { parse(): unknown };
    };
  }
).arrayParser;

/**
 * A value as logical replication sends it (the type's text output) → the same text COPY
 * gives through `copyExpression`. pg's own array-literal parser (pg-types, exposed at run
 * time but not in its typings) splits arrays; elements stay text for DuckDB to cast.
 */
export function replicationText(value: string | null, type: PostgresType): string | null {
  if (value === null) return null;
  if (type.category === 'A') return JSON.stringify(arrayParser.create(value, (v) => v).parse());
  if (type.formatted === 'bytea') return value.slice(2).replace(/(..)/g, '\\x$1');
  return value;
}

/** The one element of a one-element array literal (`{gold}` → `gold`): pg_attribute's missing values. */
export function onlyElement(literal: string): string | null {
  const [value] = arrayParser.create(literal, (v) => v).parse() as Array<string | null>;
  return value ?? null;
}
