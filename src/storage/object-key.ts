import { LakeError } from '../errors/lake-error.js';

/** S3's own limit on a key; the fs backend keeps to it so that lakes move between backends. */
export const MAX_KEY_BYTES = 1024;
/** The name limit of common filesystems (ext4, APFS, NTFS); longer segments cannot be files. */
const MAX_SEGMENT_BYTES = 255;
/** First segment that the fs backend keeps for itself (temporary files, metadata database). */
export const RESERVED_SEGMENT = '.lakebox';
/**
 * How the names of files being written beside their final name begin (sync writes them so):
 * no key has a segment that starts so, so no listing ever shows one.
 */
export const TEMPORARY_PREFIX = '.lakebox-tmp-';

// C0 and C1 control characters, DEL, and lone UTF-16 surrogates (which have no UTF-8 form).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN_CHARACTER = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/u;

/**
 * Checks that `key` names an object the same way on every backend: a relative `/`-separated
 * path without empty, `.` or `..` segments, control characters or backslashes, at most 1024
 * bytes of UTF-8. Throws `INVALID_KEY` saying what is wrong.
 *
 * @example
 * validateKey('raw/sales/orders.csv'); // ok
 * validateKey('../etc/passwd'); // throws LakeError INVALID_KEY
 */
export function validateKey(key: string): void {
  const problem = keyProblem(key, false);
  if (problem) throw invalid('object key', key, problem);
}

/**
 * Checks a listing prefix: `''`, or a key-like string that may end with `/` or in the middle
 * of a name (`raw/sales/ord`). Only its completed segments must be valid names.
 *
 * @example
 * validatePrefix('raw/'); // ok
 * validatePrefix('raw/sales/ord'); // ok: matches raw/sales/orders.csv
 */
export function validatePrefix(prefix: string): void {
  if (prefix === '') return;
  const problem = keyProblem(prefix, true);
  if (problem) throw invalid('prefix', prefix, problem);
}

/** Whether `validateKey` would accept `key`, without building an error. */
export function isValidKey(key: string): boolean {
  return keyProblem(key, false) === undefined;
}

const SLASH = 47;
const DOT = 46;

/**
 * True for the common key, printable ASCII with sound segments, in one pass over its
 * characters; false means "look closer", not "invalid". Listing a tree checks every name,
 * and the full check (a Unicode regex, UTF-8 lengths, a split) costs several times more.
 */
function isPlainKey(key: string): boolean {
  if (key.length > MAX_KEY_BYTES) return false;
  let segmentStart = 0;
  for (let i = 0; i <= key.length; i++) {
    const c = i < key.length ? key.charCodeAt(i) : SLASH;
    if (c === SLASH) {
      const length = i - segmentStart;
      if (length === 0 || length > MAX_SEGMENT_BYTES) return false;
      // Maybe ".", ".." or a temporary name.
      if (
        key.charCodeAt(segmentStart) === DOT &&
        (length <= 2 || key.startsWith(TEMPORARY_PREFIX, segmentStart))
      )
        return false;
      segmentStart = i + 1;
    } else if (c < 0x20 || c > 0x7e || c === 0x5c) {
      return false;
    }
  }
  return (
    !key.startsWith(RESERVED_SEGMENT) ||
    !(key === RESERVED_SEGMENT || key[RESERVED_SEGMENT.length] === '/')
  );
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (typeof key !== 'string') return 'it is not a string';
  if (!isPrefix && isPlainKey(key)) return undefined;
  if (key === '') return 'it is empty';
  if (key.startsWith('/')) return 'it starts with "/"; keys are relative, drop the leading slash';
  if (key.includes('\\')) return 'it contains a backslash; separate segments with "/"';
  const bad = FORBIDDEN_CHARACTER.exec(key);
  if (bad) return `it contains the control character ${JSON.stringify(bad[0])}`;
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    return `it is longer than ${MAX_KEY_BYTES} bytes of UTF-8; use a shorter key`;
  }
  const segments = key.split('/');
  // A prefix's last segment is a partial name: '' (ends with '/'), '.' or '..' may start a name.
  const last = isPrefix ? segments.length - 1 : segments.length;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
      return `the segment starting ${quote(segment, 20)} is longer than ${MAX_SEGMENT_BYTES} bytes`;
    }
    if (i >= last) continue;
    if (segment === '') {
      return i === segments.length - 1
        ? 'it ends with "/"; keys name objects, not folders'
        : 'it has an empty segment ("//")';
    }
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
    if (segment.startsWith(TEMPORARY_PREFIX))
      return `a name starts with "${TEMPORARY_PREFIX}", which the lake keeps for files being written`;
  }
  if (segments[0] === RESERVED_SEGMENT && (segments.length > 1 || !isPrefix)) {
    return `"${RESERVED_SEGMENT}/" is reserved for the lake's own files`;
  }
  return undefined;
}

function invalid(what: string, key: string, problem: string): LakeError {
  return new LakeError(
    'INVALID_KEY',
    `Invalid ${what} ${quote(key, 80)}: ${problem}. Use a relative path of names separated by "/", ` +
      `like "raw/sales/2024/orders.csv".`,
    { details: { key: key.slice(0, 200) } },
  );
}

/** JSON-quoted (so control characters print escaped on one line) and truncated. */
function quote(text: string, max: number): string {
  const chars = Array.from(String(text));
  return chars.length > max
    ? `${JSON.stringify(chars.slice(0, max).join(''))}…`
    : JSON.stringify(text);
}
