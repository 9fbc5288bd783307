import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZONES, type Zone } from '../../catalog/catalog-types.js';
import { ENV_REFERENCE } from '../../config/env-references.js';
import { LakeError } from '../../errors/lake-error.js';
import { validatePrefix } from '../../storage/object-key.js';
import type { S3Location, SyncLocation, SyncTaskSpec } from './sync-types.js';

/**
 * Reads a location from its text form: `s3://bucket/prefix`, `lake://zone/prefix`, a
 * `file://` URL or a directory path (made absolute against `cwd`). Objects are checked and
 * normalised the same way.
 *
 * @example parseLocation('s3://logs/2026', { endpoint: 'http://127.0.0.1:9000' });
 * @throws LakeError INVALID_ARGUMENT saying what is wrong.
 */
export function parseLocation(
  location: SyncLocation | string,
  s3: SyncTaskSpec['s3'] = {},
  cwd = process.cwd(),
): SyncLocation {
  if (typeof location !== 'string') return checkLocation(location);
  const text = location.trim();
  if (text === '') throw invalid('a location is empty');
  if (text.startsWith('s3://')) {
    const [bucket = '', ...rest] = text.slice('s3://'.length).split('/');
    return checkLocation({ type: 's3', bucket, prefix: rest.join('/'), ...s3 });
  }
  if (text.startsWith('lake://')) {
    const [zone = '', ...rest] = text.slice('lake://'.length).split('/');
    return checkLocation({ type: 'lake', zone: zone as Zone, prefix: rest.join('/') });
  }
  if (text.startsWith('file://'))
    return checkLocation({ type: 'local', path: fileURLToPath(text) });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw invalid(
      `"${text}" is not a location Lakebox knows; use a directory, s3://bucket/prefix or lake://zone/prefix`,
    );
  }
  return checkLocation({ type: 'local', path: resolve(cwd, text) });
}

function checkLocation(location: SyncLocation): SyncLocation {
  switch (location.type) {
    case 'local':
      if (!isAbsolute(location.path))
        throw invalid(`the directory "${location.path}" must be an absolute path`);
      return { type: 'local', path: resolve(location.path) };
    case 'lake': {
      if (!ZONES.includes(location.zone)) {
        throw invalid(
          `"${location.zone}" is not a zone; use lake://ZONE/prefix with one of ${ZONES.join(', ')}`,
        );
      }
      return { type: 'lake', zone: location.zone, prefix: normalPrefix(location.prefix) };
    }
    case 's3':
      return checkS3(location);
    default:
      throw invalid(
        `unknown location type ${JSON.stringify((location as { type: unknown }).type)}`,
      );
  }
}

function checkS3(location: S3Location): S3Location {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(location.bucket)) {
    throw invalid(`"${location.bucket}" is not a valid bucket name in s3://${location.bucket}`);
  }
  if (location.secretAccessKey !== undefined && !ENV_REFERENCE.test(location.secretAccessKey)) {
    throw invalid(
      'the S3 secret access key must be given as an environment reference such as ${env:AWS_SECRET_ACCESS_KEY}, so that it is never stored',
    );
  }
  if (Boolean(location.accessKeyId) !== Boolean(location.secretAccessKey)) {
    throw invalid('give both the S3 access key id and the secret access key, or neither');
  }
  const clean: S3Location = {
    type: 's3',
    bucket: location.bucket,
    prefix: normalPrefix(location.prefix),
  };
  for (const field of ['endpoint', 'region', 'accessKeyId', 'secretAccessKey'] as const) {
    if (location[field]) clean[field] = location[field];
  }
  if (location.forcePathStyle !== undefined) clean.forcePathStyle = location.forcePathStyle;
  return clean;
}

/** '' or `a/b` (no leading or trailing slash), checked as a key prefix. */
function normalPrefix(prefix: string): string {
  const clean = prefix.replace(/^\/+|\/+$/g, '');
  if (clean) validatePrefix(`${clean}/`);
  return clean;
}

/** The location for people and logs, never with credentials. */
export function describeLocation(location: SyncLocation): string {
  switch (location.type) {
    case 'local':
      return location.path;
    case 'lake':
      return `lake://${location.zone}/${location.prefix}`;
    case 's3':
      return `s3://${location.bucket}/${location.prefix}${location.endpoint ? ` at ${location.endpoint}` : ''}`;
  }
}

/**
 * Names the pair of places a file moves between (credentials left out), so that every task
 * and one-shot run between the same two places shares what is known about their files.
 */
export function pairKey(source: SyncLocation, destination: SyncLocation): string {
  const identity = (location: SyncLocation) =>
    location.type === 's3'
      ? ['s3', location.endpoint ?? '', location.bucket, location.prefix]
      : location.type === 'lake'
        ? ['lake', location.zone, location.prefix]
        : ['local', location.path];
  return createHash('sha256')
    .update(JSON.stringify([identity(source), identity(destination)]))
    .digest('hex')
    .slice(0, 32);
}

function invalid(problem: string): LakeError {
  return new LakeError('INVALID_ARGUMENT', `Invalid sync location: ${problem}.`);
}
