import { describe, expect, it } from 'vitest';
import { isLakeError } from '../../src/errors/lake-error.js';
import { isValidKey, validateKey, validatePrefix } from '../../src/storage/object-key.js';

function messageOf(action: () => void): string {
  try {
    action();
  } catch (error) {
    if (isLakeError(error, 'INVALID_KEY')) return error.message;
    throw error;
  }
  throw new Error('expected INVALID_KEY');
}

describe('validateKey', () => {
  it('accepts ordinary lake keys', () => {
    for (const key of [
      'raw/sales/orders.csv',
      'a',
      'curated/db/t/data/year=2024/part-0.parquet',
      'x/.hidden',
      'x/..dots',
      'é/日本/😀',
    ]) {
      expect(() => validateKey(key)).not.toThrow();
    }
  });

  it('decides plain ASCII keys (checked in one pass) exactly at the edges', () => {
    const valid = [
      '.a',
      'a/.b',
      'a/..b',
      '.lakeboxx/a',
      'a/.lakebox',
      `${'s'.repeat(255)}/x`,
      `${'k/'.repeat(511)}kk`, // 1024 bytes
      'sp ace/#%?/~!',
    ];
    const invalid = [
      '.',
      '..',
      'a/.',
      'a/..',
      './a',
      '.lakebox',
      '.lakebox/a',
      `${'s'.repeat(256)}/x`,
      `${'k/'.repeat(511)}kkk`, // 1025 bytes
      'a/',
      '/a',
      'a//b',
      'a\\b',
      'a\u007fb',
      '.lakebox-tmp-1-x',
      'raw/in/.lakebox-tmp-42-abc',
    ];
    for (const key of valid) expect([key, isValidKey(key)]).toEqual([key, true]);
    for (const key of invalid) expect([key, isValidKey(key)]).toEqual([key, false]);
  });

  it('says what is wrong and what a key should look like', () => {
    expect(messageOf(() => validateKey('a/../b'))).toMatch(
      /^Invalid object key "a\/\.\.\/b": it has a "\.\." segment\. Use a relative path/,
    );
    expect(messageOf(() => validateKey('/etc/passwd'))).toContain('drop the leading slash');
    expect(messageOf(() => validateKey('a//b'))).toContain('empty segment');
    expect(messageOf(() => validateKey('dir/'))).toContain('ends with "/"');
    expect(messageOf(() => validateKey('a\\b'))).toContain('backslash');
    expect(messageOf(() => validateKey('.lakebox/meta.db'))).toContain('reserved');
  });

  it('quotes control characters escaped, on one line', () => {
    const message = messageOf(() => validateKey('bad\nkey\u0000'));
    expect(message).toContain('"bad\\nkey\\u0000"');
    expect(message).not.toContain('\n');
  });

  it('truncates a long key in the message', () => {
    const message = messageOf(() => validateKey('k'.repeat(2000)));
    expect(message).toContain(`"${'k'.repeat(80)}"…`);
    expect(message).toContain('1024 bytes');
    expect(message.length).toBeLessThan(400);
  });

  it('counts the 1024-byte limit in UTF-8 bytes, and limits each segment to 255 bytes', () => {
    expect(() =>
      validateKey(`${'é'.repeat(127)}/${'é'.repeat(127)}/${'é'.repeat(127)}/${'é'.repeat(127)}`),
    ).not.toThrow();
    expect(() =>
      validateKey(
        `${'é'.repeat(127)}/${'é'.repeat(127)}/${'é'.repeat(127)}/${'é'.repeat(127)}/abcdef`,
      ),
    ).toThrow();
    expect(messageOf(() => validateKey('x'.repeat(256)))).toContain('longer than 255 bytes');
  });

  it('rejects lone surrogates, which have no UTF-8 form', () => {
    expect(() => validateKey('a\uD800b')).toThrow();
    expect(() => validateKey('a\u{1F600}b')).not.toThrow();
  });
});

describe('validatePrefix', () => {
  it('accepts the empty prefix, folder prefixes and prefixes ending mid-name', () => {
    for (const prefix of ['', 'raw/', 'raw/sales/ord', 'raw/.', 'raw/..', 'r']) {
      expect(() => validatePrefix(prefix)).not.toThrow();
    }
  });

  it('rejects prefixes whose complete segments are not valid names', () => {
    for (const prefix of ['/raw/', '../', 'raw/../x', 'raw//', 'a\u0000', '.lakebox/']) {
      expect(() => validatePrefix(prefix), prefix).toThrow(
        expect.objectContaining({ code: 'INVALID_KEY' }),
      );
    }
    expect(messageOf(() => validatePrefix('raw/../x'))).toMatch(/^Invalid prefix/);
  });
});
