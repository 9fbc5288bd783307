import { hostname, userInfo } from 'node:os';
import type { Kysely, Selectable } from 'kysely';
import { closeNames } from '../../catalog/close-names.js';
import { LakeError } from '../../errors/lake-error.js';
import type { EventLog } from '../../events/event-log.js';
import type { MetaSchema } from '../../meta/schema.js';
import type { ModelAliasAuditRow, ModelVersionRow } from '../../meta/schema-models.js';
import type { ProblemType } from '../algorithms/algorithm.js';
import { formatModelRef, type ModelRef } from './model-ref.js';
import type { AliasMove, ModelStatus, ModelSummary, ModelVersion } from './model-version.js';

/** What registering a version records; its number is the registry's to give. */
export interface NewModelVersion {
  readonly model: string;
  readonly origin: ModelVersion['origin'];
  readonly algorithm: string;
  readonly problem: ProblemType;
  readonly runId: string | null;
  readonly artifactKey: string;
  readonly metrics: Record<string, number>;
}

export interface AliasMoveRequest {
  /** Refuse the move unless the alias holds this version now (null: unless it is unset). */
  readonly expect?: number | null;
  /** Who moves it, for the audit trail: `user@host` unless told. */
  readonly by?: string;
}

/**
 * Model groups, versions, statuses and aliases in the metadata database. Every change is
 * one transaction with its event (`model.version.registered`, `model.version.status`,
 * `model.alias.moved`), so triggers and pipelines see exactly what committed. A version's
 * number comes from its model's row, raised in the registering transaction: two trainings
 * that finish at once get two numbers, and a training that dies before registering takes
 * none.
 */
export class ModelRegistry {
  constructor(
    private readonly db: Kysely<MetaSchema>,
    private readonly events: EventLog,
  ) {}

  /** Registers a version (status `pending`) of `model`, creating the model on its first. */
  async register(entry: NewModelVersion): Promise<ModelVersion> {
    const now = Date.now();
    const version = await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('lb_model')
        .values({ name: entry.model, last_version: 0, created_at: now, updated_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const { last_version } = await trx
        .updateTable('lb_model')
        .set((eb) => ({ last_version: eb('last_version', '+', 1), updated_at: now }))
        .where('name', '=', entry.model)
        .returning('last_version')
        .executeTakeFirstOrThrow();
      const number = Number(last_version);
      await trx
        .insertInto('lb_model_version')
        .values({
          model_name: entry.model,
          version: number,
          status: 'pending',
          origin: entry.origin,
          algorithm: entry.algorithm,
          problem: entry.problem,
          run_id: entry.runId,
          artifact_key: entry.artifactKey,
          metrics: JSON.stringify(entry.metrics),
          created_at: now,
          status_at: now,
        })
        .execute();
      await this.events.append(
        {
          type: 'model.version.registered',
          subject: `${entry.model}:${number}`,
          payload: {
            model: entry.model,
            version: number,
            runId: entry.runId,
            origin: entry.origin,
          },
        },
        trx,
      );
      return number;
    });
    return this.version({ model: entry.model, version });
  }

  /** Every model with its version count, latest version and aliases. */
  async models(): Promise<ModelSummary[]> {
    const [models, counts, aliases] = await Promise.all([
      this.db.selectFrom('lb_model').selectAll().orderBy('name').execute(),
      this.db
        .selectFrom('lb_model_version')
        .select(['model_name', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy('model_name')
        .execute(),
      this.db.selectFrom('lb_model_alias').selectAll().execute(),
    ]);
    const count = new Map(counts.map((c) => [c.model_name, Number(c.n)]));
    return models.map((m) => ({
      name: m.name,
      versions: count.get(m.name) ?? 0,
      latest: Number(m.last_version),
      aliases: Object.fromEntries(
        aliases
          .filter((a) => a.model_name === m.name)
          .map((a) => [a.alias, Number(a.version)] as const),
      ),
      updatedAt: new Date(Number(m.updated_at)),
    }));
  }

  /**
   * The versions of a model, newest first.
   *
   * @throws LakeError MODEL_NOT_FOUND, naming close matches.
   */
  async versions(model: string): Promise<ModelVersion[]> {
    await this.#model(model);
    const [rows, aliases] = await Promise.all([
      this.db
        .selectFrom('lb_model_version')
        .selectAll()
        .where('model_name', '=', model)
        .orderBy('version', 'desc')
        .execute(),
      this.#aliasesOf(model),
    ]);
    return rows.map((row) => toVersion(row, aliases));
  }

  /**
   * The version a ref names.
   *
   * @throws LakeError MODEL_NOT_FOUND; MODEL_VERSION_NOT_FOUND for a version or alias it lacks.
   */
  async version(ref: ModelRef): Promise<ModelVersion> {
    const model = await this.#model(ref.model);
    const aliases = await this.#aliasesOf(ref.model);
    let number: number;
    if ('version' in ref) number = ref.version;
    else if ('alias' in ref) {
      const held = [...aliases].find(([, names]) => names.includes(ref.alias))?.[0];
      if (held === undefined)
        throw new LakeError(
          'MODEL_VERSION_NOT_FOUND',
          `Model ${ref.model} has no alias ${ref.alias}${aliasList(aliases)}; set it with lakebox ml alias ${ref.model} ${ref.alias} VERSION.`,
        );
      number = held;
    } else number = Number(model.last_version);
    const row = await this.db
      .selectFrom('lb_model_version')
      .selectAll()
      .where('model_name', '=', ref.model)
      .where('version', '=', number)
      .executeTakeFirst();
    if (!row)
      throw new LakeError(
        'MODEL_VERSION_NOT_FOUND',
        `Model ${ref.model} has no version ${formatModelRef(ref)}${number > 0 ? ` (its versions go up to ${Number(model.last_version)})` : ' yet'}; lakebox ml versions ${ref.model} lists them.`,
      );
    return toVersion(row, aliases);
  }

  /** Sets a version's status (approve, reject, archive), with its event. */
  async setStatus(ref: ModelRef, status: ModelStatus, by = defaultMover()): Promise<ModelVersion> {
    const current = await this.version(ref);
    if (current.status === status) return current;
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('lb_model_version')
        .set({ status, status_at: now })
        .where('model_name', '=', current.model)
        .where('version', '=', current.version)
        .execute();
      await this.events.append(
        {
          type: 'model.version.status',
          subject: `${current.model}:${current.version}`,
          payload: {
            model: current.model,
            version: current.version,
            status,
            previous: current.status,
            by,
          },
        },
        trx,
      );
    });
    return this.version({ model: current.model, version: current.version });
  }

  /**
   * Points `alias` of `model` at `version`, atomically: the model's row is locked first, so
   * moves of one model's aliases take turns across processes. With `expect`, the move is
   * refused unless the alias holds that version (compare-and-set). Every attempt, refused
   * or not, goes into the audit trail.
   *
   * @throws LakeError MODEL_ALIAS_CONFLICT when `expect` does not hold (after the audit row
   *   is written); INVALID_ARGUMENT for a rejected or archived version or a bad alias name.
   */
  async moveAlias(
    model: string,
    alias: string,
    version: number,
    request: AliasMoveRequest = {},
  ): Promise<AliasMove> {
    const name = alias.toLowerCase();
    if (!/^[a-z_][\w-]{0,62}$/.test(name))
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Alias ${JSON.stringify(alias)} is not allowed: a letter or _, then letters, digits, _ or -.`,
      );
    const target = await this.version({ model, version });
    if (target.status === 'rejected' || target.status === 'archived')
      throw new LakeError(
        'INVALID_ARGUMENT',
        `${model}:${version} is ${target.status}; an alias points only at pending or approved versions (approve it first).`,
      );
    const by = request.by ?? defaultMover();
    const move = await this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      await trx
        .updateTable('lb_model')
        .set({ updated_at: now })
        .where('name', '=', model)
        .execute();
      const held = await trx
        .selectFrom('lb_model_alias')
        .select('version')
        .where('model_name', '=', model)
        .where('alias', '=', name)
        .executeTakeFirst();
      const from = held ? Number(held.version) : null;
      const expected = request.expect === undefined ? null : request.expect;
      const refused =
        request.expect !== undefined && request.expect !== from
          ? `it holds ${from === null ? 'no version' : `version ${from}`}, not ${request.expect === null ? 'none' : `version ${request.expect}`}`
          : null;
      if (!refused) {
        if (held)
          await trx
            .updateTable('lb_model_alias')
            .set({ version, moved_at: now, moved_by: by })
            .where('model_name', '=', model)
            .where('alias', '=', name)
            .execute();
        else
          await trx
            .insertInto('lb_model_alias')
            .values({ model_name: model, alias: name, version, moved_at: now, moved_by: by })
            .execute();
      }
      const audit = {
        model_name: model,
        alias: name,
        from_version: from,
        to_version: version,
        expected_version: expected,
        outcome: refused ? 'refused' : 'moved',
        reason: refused,
        moved_by: by,
        at: now,
      };
      await trx.insertInto('lb_model_alias_audit').values(audit).execute();
      if (!refused)
        await this.events.append(
          {
            type: 'model.alias.moved',
            subject: `${model}@${name}`,
            payload: { model, alias: name, from, to: version, by },
          },
          trx,
        );
      return toMove(audit);
    });
    if (move.outcome === 'refused')
      throw new LakeError(
        'MODEL_ALIAS_CONFLICT',
        `Alias ${name} of ${model} was not moved to version ${version}: ${move.reason}. Look at lakebox ml versions ${model} and try again with the version it holds now.`,
        { details: { model, alias: name, from: move.from, expected: move.expected } },
      );
    return move;
  }

  /** Every attempt to move the model's aliases (or one alias), oldest first. */
  async aliasHistory(model: string, alias?: string): Promise<AliasMove[]> {
    await this.#model(model);
    let query = this.db
      .selectFrom('lb_model_alias_audit')
      .selectAll()
      .where('model_name', '=', model);
    if (alias !== undefined) query = query.where('alias', '=', alias.toLowerCase());
    return (await query.orderBy('audit_id').execute()).map(toMove);
  }

  async #model(model: string) {
    const row = await this.db
      .selectFrom('lb_model')
      .selectAll()
      .where('name', '=', model)
      .executeTakeFirst();
    if (row) return row;
    const names = (await this.db.selectFrom('lb_model').select('name').execute()).map(
      (r) => r.name,
    );
    const close = closeNames(model, names);
    throw new LakeError(
      'MODEL_NOT_FOUND',
      `Model ${model} does not exist.${close.length ? ` Did you mean ${close.join(', ')}?` : ' Train one with lakebox ml train, or import one with lakebox ml import.'}`,
    );
  }

  /** Aliases by the version they point at. */
  async #aliasesOf(model: string): Promise<Map<number, string[]>> {
    const rows = await this.db
      .selectFrom('lb_model_alias')
      .selectAll()
      .where('model_name', '=', model)
      .orderBy('alias')
      .execute();
    const byVersion = new Map<number, string[]>();
    for (const row of rows) {
      const list = byVersion.get(Number(row.version)) ?? [];
      list.push(row.alias);
      byVersion.set(Number(row.version), list);
    }
    return byVersion;
  }
}

/** Where an alias move was made from, when the caller does not say. */
export function defaultMover(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the host still says where.
  }
  return `${user}@${hostname()}`;
}

function aliasList(aliases: Map<number, string[]>): string {
  const names = [...aliases.values()].flat();
  return names.length ? ` (it has ${names.join(', ')})` : '';
}

function toVersion(row: Selectable<ModelVersionRow>, aliases: Map<number, string[]>): ModelVersion {
  return {
    model: row.model_name,
    version: Number(row.version),
    status: row.status as ModelStatus,
    origin: row.origin as ModelVersion['origin'],
    algorithm: row.algorithm,
    problem: row.problem as ProblemType,
    runId: row.run_id,
    artifactKey: row.artifact_key,
    metrics: JSON.parse(row.metrics) as Record<string, number>,
    aliases: aliases.get(Number(row.version)) ?? [],
    createdAt: new Date(Number(row.created_at)),
    statusAt: new Date(Number(row.status_at)),
  };
}

function toMove(row: Omit<Selectable<ModelAliasAuditRow>, 'audit_id'>): AliasMove {
  return {
    model: row.model_name,
    alias: row.alias,
    from: row.from_version === null ? null : Number(row.from_version),
    to: Number(row.to_version),
    expected: row.expected_version === null ? null : Number(row.expected_version),
    outcome: row.outcome as AliasMove['outcome'],
    reason: row.reason,
    by: row.moved_by,
    at: new Date(Number(row.at)),
  };
}
