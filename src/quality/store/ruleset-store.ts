import type { Kysely, Selectable } from 'kysely';
import { closeNames } from '../../catalog/close-names.js';
import { LakeError } from '../../errors/lake-error.js';
import type { MetaSchema } from '../../meta/schema.js';
import type { QualityRulesetRow } from '../../meta/schema-quality.js';
import type { Ruleset } from '../quality-types.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Rulesets in the metadata database. Callers parse the rules before saving them. */
export class RulesetStore {
  constructor(private readonly db: Kysely<MetaSchema>) {}

  /** @throws LakeError RULESET_EXISTS, INVALID_IDENTIFIER. */
  async create(name: string, rules: string, description: string | null): Promise<Ruleset> {
    checkName(name);
    if (await this.find(name)) throw exists(name);
    const now = Date.now();
    try {
      await this.db
        .insertInto('lb_quality_ruleset')
        .values({ name, rules, description, created_at: now, updated_at: now })
        .execute();
    } catch (error) {
      if (await this.find(name)) throw exists(name); // created meanwhile by another process
      throw error;
    }
    return this.get(name);
  }

  /** @throws LakeError RULESET_NOT_FOUND. */
  async update(
    name: string,
    change: { rules?: string; description?: string | null },
  ): Promise<Ruleset> {
    const result = await this.db
      .updateTable('lb_quality_ruleset')
      .set({
        ...(change.rules !== undefined ? { rules: change.rules } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
        updated_at: Date.now(),
      })
      .where('name', '=', name)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw await this.notFound(name);
    return this.get(name);
  }

  async find(name: string): Promise<Ruleset | undefined> {
    const row = await this.db
      .selectFrom('lb_quality_ruleset')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toRuleset(row);
  }

  /** @throws LakeError RULESET_NOT_FOUND, with close names. */
  async get(name: string): Promise<Ruleset> {
    const found = await this.find(name);
    if (!found) throw await this.notFound(name);
    return found;
  }

  async list(): Promise<Ruleset[]> {
    const rows = await this.db
      .selectFrom('lb_quality_ruleset')
      .selectAll()
      .orderBy('name')
      .execute();
    return rows.map(toRuleset);
  }

  /** Deletes the ruleset; its stored results stay. @throws LakeError RULESET_NOT_FOUND. */
  async delete(name: string): Promise<void> {
    const result = await this.db
      .deleteFrom('lb_quality_ruleset')
      .where('name', '=', name)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw await this.notFound(name);
  }

  private async notFound(name: string): Promise<LakeError> {
    const close = closeNames(
      name,
      (await this.list()).map((r) => r.name),
    );
    return new LakeError(
      'RULESET_NOT_FOUND',
      `Ruleset ${name} does not exist${close.length ? `; did you mean ${close.join(', ')}?` : '; create it with lakebox quality create.'}`,
    );
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new LakeError(
      'INVALID_IDENTIFIER',
      `Invalid ruleset name ${JSON.stringify(name)}: use letters, digits, _, . and - (at most 128 characters).`,
    );
  }
}

function exists(name: string): LakeError {
  return new LakeError(
    'RULESET_EXISTS',
    `Ruleset ${name} already exists; choose another name or replace its rules (lakebox quality create ${name} --replace).`,
  );
}

function toRuleset(row: Selectable<QualityRulesetRow>): Ruleset {
  return {
    id: row.ruleset_id,
    name: row.name,
    description: row.description,
    rules: row.rules,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
