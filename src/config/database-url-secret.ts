import { LakeError } from '../errors/lake-error.js';
import { ENV_REFERENCE } from './env-references.js';

const PLACEHOLDER_NAME = 'LAKEBOX_DB_PASSWORD';

/**
 * Refuses a database URL that holds a password (in its user info or as a `password`
 * parameter) other than as a `${env:NAME}` reference, the rule sources follow too: a config
 * file never holds a secret. The message shows the URL to give instead, without the password.
 *
 * @example checkNoLiteralPassword('postgres://lake:${env:LAKE_PW}@db:5432/lake', 'metadata.url'); // fine
 * @throws LakeError INVALID_ARGUMENT for `postgres://lake:hunter2@db/lake`.
 */
export function checkNoLiteralPassword(url: string, field: string): void {
  if (ENV_REFERENCE.test(url.trim())) return;
  // References become plain tokens so that the URL parses; a password that is exactly one
  // of them was given by reference.
  const references: string[] = [];
  const tokenized = url.replace(/\$\{env:[A-Za-z_][A-Za-z0-9_]*\}/g, (reference) => {
    references.push(reference);
    return `lakeboxenvref${references.length - 1}x`;
  });
  let parsed: URL;
  try {
    parsed = new URL(tokenized);
  } catch {
    return; // not a URL: the config's own validation says what is wrong
  }
  const isReference = (value: string) => /^lakeboxenvref\d+x$/.test(decodeURIComponent(value));
  const inUserInfo = parsed.password !== '' && !isReference(parsed.password);
  const parameter = parsed.searchParams.get('password');
  const inParameter = parameter !== null && parameter !== '' && !isReference(parameter);
  if (!inUserInfo && !inParameter) return;
  const user = parsed.username ? decodeURIComponent(parsed.username) : 'USER';
  const restore = (text: string) =>
    text.replace(/lakeboxenvref(\d+)x/g, (_m, i: string) => references[Number(i)]!);
  const suggestion = restore(
    `${parsed.protocol}//${user}:\${env:${PLACEHOLDER_NAME}}@${parsed.host}${parsed.pathname}`,
  );
  throw new LakeError(
    'INVALID_ARGUMENT',
    `${field}: the database URL holds a password, and lakebox.json keeps secrets only as environment references. ` +
      `Give it as ${suggestion} with ${PLACEHOLDER_NAME} set in the environment (percent-encoded if it has special characters), ` +
      `or the whole URL as \${env:LAKEBOX_DATABASE_URL}.`,
  );
}
