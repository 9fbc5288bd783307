import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { LakeError } from '../errors/lake-error.js';
import type { MetaSchema } from '../meta/schema.js';
import type { ApiTokenRow } from '../meta/schema-tokens.js';
import type { ApiToken, CreatedApiToken } from './api-token.js';

const TOKEN = /^lbt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const NAME = /^[\w .@:-]{1,100}$/;
// Writing the time of use on every request would make each request a write.
const LAST_USED_EVERY_MS = 60_000;

/**
 * Bearer tokens for the HTTP API (`lakebox token create|list|revoke`). A token is
 * `lbt_<id>_<secret>` with a 256-bit random secret; only the secret's SHA-256 is stored.
 * A fast hash is right here, unlike for passwords: a random 256-bit secret cannot be
 * guessed from its hash, so the slowness that protects weak passwords buys nothing and
 * would cost every request.
 *
 * @example
 * const { token } = await lake.tokens.create('dashboard');
 * await fetch(url, { headers: { authorization: `Bearer ${token}` } });
 */
export class TokenService {
  readonly #lastUsed = new Map<string, number>();

  constructor(private readonly db: Kysely<MetaSchema>) {}

  /**
   * Creates a token; its value is in the result and nowhere else afterwards.
   *
   * @throws LakeError INVALID_ARGUMENT for a name that is empty, too long or has odd characters.
   */
  async create(name: string): Promise<CreatedApiToken> {
    if (!NAME.test(name))
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Token name ${JSON.stringify(name)} is not allowed: use 1 to 100 letters, digits, spaces and . @ : - _.`,
      );
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const row = {
      token_id: id,
      name,
      secret_hash: hashOf(secret),
      created_at: Date.now(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto('lb_api_token').values(row).execute();
    return { ...toToken(row), token: `lbt_${id}_${secret}` };
  }

  /** Every token, newest first, revoked ones included (marked). */
  async list(): Promise<ApiToken[]> {
    const rows = await this.db
      .selectFrom('lb_api_token')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('token_id')
      .execute();
    return rows.map(toToken);
  }

  /**
   * Revokes a token: from the next request on, it is refused. Revoking twice is harmless.
   *
   * @throws LakeError TOKEN_NOT_FOUND.
   */
  async revoke(id: string): Promise<ApiToken> {
    const publicId = TOKEN.exec(id)?.[1] ?? id;
    await this.db
      .updateTable('lb_api_token')
      .set({ revoked_at: Date.now() })
      .where('token_id', '=', publicId)
      .where('revoked_at', 'is', null)
      .execute();
    const row = await this.db
      .selectFrom('lb_api_token')
      .selectAll()
      .where('token_id', '=', publicId)
      .executeTakeFirst();
    if (!row)
      throw new LakeError(
        'TOKEN_NOT_FOUND',
        `No API token has id ${publicId}; lakebox token list shows them.`,
      );
    return toToken(row);
  }

  /**
   * The token a bearer value stands for, or undefined when it is malformed, unknown or
   * revoked (the three are not told apart, to a caller or in time taken).
   */
  async verify(bearer: string): Promise<ApiToken | undefined> {
    const match = TOKEN.exec(bearer);
    if (!match) return undefined;
    const [, id, secret] = match as unknown as [string, string, string];
    const row = await this.db
      .selectFrom('lb_api_token')
      .selectAll()
      .where('token_id', '=', id)
      .executeTakeFirst();
    const expected = Buffer.from(row?.secret_hash ?? hashOf(''), 'hex');
    const given = Buffer.from(hashOf(secret), 'hex');
    if (!row || !timingSafeEqual(expected, given) || row.revoked_at !== null) return undefined;
    await this.#touch(id);
    return toToken(row);
  }

  async #touch(id: string): Promise<void> {
    const now = Date.now();
    if (now - (this.#lastUsed.get(id) ?? 0) < LAST_USED_EVERY_MS) return;
    this.#lastUsed.set(id, now);
    await this.db
      .updateTable('lb_api_token')
      .set({ last_used_at: now })
      .where('token_id', '=', id)
      .execute();
  }
}

function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function toToken(row: Selectable<ApiTokenRow>): ApiToken {
  const at = (ms: number | null) => (ms === null ? null : new Date(Number(ms)));
  return {
    id: row.token_id,
    name: row.name,
    createdAt: new Date(Number(row.created_at)),
    lastUsedAt: at(row.last_used_at),
    revokedAt: at(row.revoked_at),
  };
}
