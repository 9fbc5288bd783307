import { describe, expect, it } from 'vitest';
import { checkNoLiteralPassword } from '../../src/config/database-url-secret.js';

describe('a database URL in lakebox.json', () => {
  it.each([
    'postgres://lake@db:5432/lake',
    'postgres://lake:${env:LAKE_PW}@db:5432/lake',
    'postgresql://${env:USER}:${env:PW}@${env:HOST}/lake',
    'postgres://db/lake?password=${env:LAKE_PW}&sslmode=require',
    '${env:LAKEBOX_DATABASE_URL}',
  ])('may hold its password by reference: %s', (url) => {
    expect(() => checkNoLiteralPassword(url, 'metadata.url')).not.toThrow();
  });

  it.each([
    ['postgres://lake:hunter2@db:5432/lake', 'hunter2'],
    ['postgres://lake:pre${env:X}@db/lake', 'pre'],
    ['postgres://db/lake?sslmode=require&password=hunter2', 'hunter2'],
  ])('never a literal one: %s', (url, secret) => {
    let error: unknown;
    try {
      checkNoLiteralPassword(url, 'metadata.url');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const message = (error as Error).message;
    expect(message).toContain('${env:LAKEBOX_DB_PASSWORD}');
    expect(message).not.toContain(secret === 'pre' ? 'pre$' : secret);
  });
});
