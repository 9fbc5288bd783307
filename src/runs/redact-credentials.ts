const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;
const KEY_VALUE_SECRET =
  /\b(password|passwd|pwd|secret|secret[_-]?access[_-]?key|api[_-]?key)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi;

/**
 * Masks credentials that commonly leak into error messages and log lines written by user
 * code: passwords in URLs (`postgres://user:pw@host`) and `password=...` pairs in
 * connection strings. A safety net under the rule that secrets never reach run records,
 * not a licence to put them in messages.
 */
export function redactCredentials(text: string): string {
  return text.replace(URL_PASSWORD, '$1***@').replace(KEY_VALUE_SECRET, '$1$2***');
}
