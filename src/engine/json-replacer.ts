/** For JSON.stringify: big integers as numbers when exact (else strings), bytes as base64. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}
