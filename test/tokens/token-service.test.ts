import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetaDb } from '../../src/meta/meta-db.js';
import { TokenService } from '../../src/tokens/token-service.js';
import { META_BACKENDS } from '../support/meta-backends.js';

describe.each(META_BACKENDS)('API tokens on $name', (backend) => {
  let meta: MetaDb;
  let cleanup: () => Promise<void>;
  let tokens: TokenService;

  beforeEach(async () => {
    ({ meta, cleanup } = await backend.open());
    tokens = new TokenService(meta.db);
  });
  afterEach(() => cleanup());

  it('creates a token shown once, stores only its hash, verifies it, and refuses it once revoked', async () => {
    const created = await tokens.create('dashboard');
    expect(created.token).toMatch(/^lbt_[0-9a-f]{12}_[\w-]{43}$/);
    const secret = created.token.split('_').slice(2).join('_');
    const rows = await meta.db.selectFrom('lb_api_token').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(await tokens.list())).not.toContain(secret);

    expect(await tokens.verify(created.token)).toMatchObject({ id: created.id, name: 'dashboard' });
    const [listed] = await tokens.list();
    expect(listed!.lastUsedAt).toBeInstanceOf(Date);
    const tampered = created.token.slice(0, -1) + (created.token.endsWith('A') ? 'B' : 'A');
    expect(await tokens.verify(tampered)).toBeUndefined();
    expect(await tokens.verify('lbt_000000000000_' + 'x'.repeat(43))).toBeUndefined();
    expect(await tokens.verify('not a token')).toBeUndefined();

    // By id or by the whole token; twice is harmless.
    expect((await tokens.revoke(created.id)).revokedAt).toBeInstanceOf(Date);
    expect((await tokens.revoke(created.token)).revokedAt).toBeInstanceOf(Date);
    expect(await tokens.verify(created.token)).toBeUndefined();
  });

  it('names what is wrong: an unknown id, a bad name', async () => {
    await expect(tokens.revoke('abcdefabcdef')).rejects.toMatchObject({
      code: 'TOKEN_NOT_FOUND',
      message: expect.stringContaining('lakebox token list'),
    });
    await expect(tokens.create('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(tokens.create('a\nb')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
