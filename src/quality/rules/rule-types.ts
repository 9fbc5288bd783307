import type { RuleSyntax } from '../language/rule-syntax.js';
import { columnCount } from './column-count.js';
import { columnExists } from './column-exists.js';
import { columnLength } from './column-length.js';
import { columnValues } from './column-values.js';
import { completeness } from './completeness.js';
import { customSql } from './custom-sql.js';
import { distinctValuesCount } from './distinct-values-count.js';
import { freshness } from './freshness.js';
import { isComplete } from './is-complete.js';
import { isPrimaryKey } from './is-primary-key.js';
import { isUnique } from './is-unique.js';
import { mean } from './mean.js';
import { referentialIntegrity } from './referential-integrity.js';
import { rowCount } from './row-count.js';
import type { RuleType } from './rule-type.js';
import { standardDeviation } from './standard-deviation.js';
import { sum } from './sum.js';
import { uniqueness } from './uniqueness.js';

/** Every rule type the language knows, by its case-sensitive DQDL name. */
export const RULE_TYPES: ReadonlyMap<string, RuleType> = new Map(
  [
    rowCount,
    columnCount,
    columnExists,
    isComplete,
    completeness,
    isUnique,
    uniqueness,
    isPrimaryKey,
    distinctValuesCount,
    columnValues,
    columnLength,
    freshness('DataFreshness'),
    freshness('Freshness'),
    referentialIntegrity,
    customSql,
    mean,
    sum,
    standardDeviation,
  ].map((type) => [type.name, type]),
);

/** The grammar the parser checks rules against. */
export const RULE_SYNTAX: ReadonlyMap<string, RuleSyntax> = new Map(
  [...RULE_TYPES].map(([name, type]) => [name, type.syntax]),
);
