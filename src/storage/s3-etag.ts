/**
 * The ETag S3 gives an object uploaded in parts of `partSize` bytes, computed from the bytes
 * as they are sent: the MD5 of the object when it went up whole, else the MD5 of its parts'
 * MD5s and `-<parts>`. A verifier that compares it with the ETag S3 returned knows the
 * object arrived intact without reading it back. Not every object's ETag is an MD5
 * (SSE-KMS, SSE-C), so a mismatch means "read it back to be sure", never "corrupt".
 */
import { createHash, type Hash } from 'node:crypto';

/** Size of the parts of the S3 store's multipart uploads; bodies up to it go up in one PUT. */
export const S3_PART_SIZE = 8 * 1024 * 1024;

export class S3EtagHasher {
  #part: Hash = createHash('md5');
  #partBytes = 0;
  readonly #parts: Buffer[] = [];

  constructor(private readonly partSize: number) {}

  update(chunk: Buffer): void {
    for (let offset = 0; offset < chunk.length;) {
      if (this.#partBytes === this.partSize) this.#endPart();
      const take = Math.min(chunk.length - offset, this.partSize - this.#partBytes);
      this.#part.update(chunk.subarray(offset, offset + take));
      this.#partBytes += take;
      offset += take;
    }
  }

  /** The expected ETag (lower-case hex, unquoted). */
  digest(): string {
    if (this.#parts.length === 0) return this.#part.digest('hex');
    this.#endPart();
    const whole = createHash('md5');
    for (const part of this.#parts) whole.update(part);
    return `${whole.digest('hex')}-${this.#parts.length}`;
  }

  #endPart(): void {
    this.#parts.push(this.#part.digest());
    this.#part = createHash('md5');
    this.#partBytes = 0;
  }
}
