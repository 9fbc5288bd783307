import { LakeError } from '../errors/lake-error.js';

/** What an S3 error message may name. Never holds a secret. */
export interface S3ErrorContext {
  /** Shown without any userinfo; undefined means AWS's own endpoint for the region. */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Where the store's keys live, `s3://bucket/prefix`. */
  location: string;
  accessKeyId?: string;
  key?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EPIPE',
  'ECONNABORTED',
]);
const ACCESS_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'InvalidToken',
  'ExpiredToken',
  'TokenRefreshRequired',
  'AllAccessDisabled',
]);
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound']);

interface SdkError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/**
 * The one place where AWS SDK errors become LakeErrors with a stable code and a message that
 * says what to do. Messages name the endpoint, bucket and access key id, never the secret;
 * the SDK error is kept as `cause`. LakeErrors pass through unchanged.
 */
export function mapS3Error(error: unknown, context: S3ErrorContext): unknown {
  if (error instanceof LakeError || typeof error !== 'object' || error === null) return error;
  const sdk = error as SdkError;
  const code = sdk.Code ?? sdk.code ?? sdk.name ?? 'Unknown';
  const status = sdk.$metadata?.httpStatusCode;
  const endpoint = context.endpoint ?? `the AWS S3 endpoint of region ${context.region}`;
  const options = {
    cause: error,
    details: { s3Code: code, ...(status ? { httpStatus: status } : {}) },
  };

  if (NETWORK_CODES.has(code) || (sdk.name === 'TimeoutError' && status === undefined)) {
    return new LakeError(
      'STORAGE_UNREACHABLE',
      `Cannot reach S3 at ${endpoint} (bucket "${context.bucket}"): ${code}. ` +
        `Check the endpoint in the lake config and that the S3 server is running and reachable.`,
      { ...options, transient: true },
    );
  }
  if (sdk.name === 'CredentialsProviderError') {
    return new LakeError(
      'STORAGE_ACCESS_DENIED',
      `No AWS credentials found for bucket "${context.bucket}". Set accessKeyId and secretAccessKey in the lake ` +
        `config (as \${env:NAME} references), or configure the AWS environment.`,
      options,
    );
  }
  if (ACCESS_CODES.has(code) || status === 403) {
    const who = context.accessKeyId
      ? `access key id "${context.accessKeyId}"`
      : 'the default AWS credentials';
    return new LakeError(
      'STORAGE_ACCESS_DENIED',
      `S3 at ${endpoint} refused access to bucket "${context.bucket}" for ${who} (${code === 'Unknown' ? status : code}). ` +
        `Check the access key id and secret in the lake config, and that they may use this bucket.`,
      options,
    );
  }
  if (code === 'NoSuchBucket') {
    return new LakeError(
      'STORAGE_ERROR',
      `Bucket "${context.bucket}" does not exist at ${endpoint}. Create the bucket, or fix the bucket name in the lake config.`,
      options,
    );
  }
  if (NOT_FOUND_CODES.has(code) || status === 404) {
    const what = context.key === undefined ? 'The object' : `Object ${JSON.stringify(context.key)}`;
    return new LakeError(
      'OBJECT_NOT_FOUND',
      `${what} does not exist in ${context.location}. Check the key, or list its prefix.`,
      {
        ...options,
        details: { ...options.details, ...(context.key === undefined ? {} : { key: context.key }) },
      },
    );
  }
  if (code === 'InvalidRange' || status === 416) {
    return new LakeError(
      'INVALID_ARGUMENT',
      `The byte range asked of ${JSON.stringify(context.key)} lies beyond its end. Read from a smaller offset.`,
      options,
    );
  }
  const transient =
    (status !== undefined && status >= 500) || code === 'SlowDown' || code === 'RequestTimeout';
  return new LakeError(
    'STORAGE_ERROR',
    `S3 at ${endpoint} failed for bucket "${context.bucket}"${context.key === undefined ? '' : ` key ${JSON.stringify(context.key)}`}: ` +
      `${code}${sdk.message && sdk.message !== code ? ` (${sdk.message})` : ''}.` +
      (transient ? ' The server may be overloaded; retry later.' : ''),
    { ...options, transient },
  );
}

/** An endpoint for messages: scheme, host, port and path, without any user:password@. */
export function displayEndpoint(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return endpoint.replace(/\/\/[^/@]*@/, '//');
  }
}
