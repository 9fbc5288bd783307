import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeFor } from '../../src/cli/exit-code.js';
import type { ErrorCode } from '../../src/errors/lake-error.js';

const DOCS = new URL('../../docs/cli.md', import.meta.url);

/** The codes docs/cli.md lists under each exit code, in its "Error codes" table. */
async function documentedCodes(): Promise<Map<ErrorCode, number>> {
  const text = await readFile(DOCS, 'utf8');
  const section = text.slice(text.indexOf('### Error codes'));
  const codes = new Map<ErrorCode, number>();
  for (const match of section.matchAll(/^\| (\d) \| (.+) \|$/gm)) {
    for (const code of match[2]!.matchAll(/`([A-Z_]+)`/g))
      codes.set(code[1] as ErrorCode, Number(match[1]));
  }
  return codes;
}

describe('exit codes', () => {
  it('are input errors (2) for every *_EXISTS and *_NOT_FOUND code and SCHEMA_MISMATCH', () => {
    const codes: ErrorCode[] = [
      'LAKE_EXISTS',
      'DATABASE_EXISTS',
      'TABLE_EXISTS',
      'RULESET_EXISTS',
      'SOURCE_EXISTS',
      'MIGRATION_TASK_EXISTS',
      'SYNC_TASK_EXISTS',
      'CRAWLER_EXISTS',
      'JOB_EXISTS',
      'SCHEMA_MISMATCH',
      'TABLE_NOT_FOUND',
      'SOURCE_TABLE_NOT_FOUND',
    ];
    for (const code of codes) expect([code, exitCodeFor(code)]).toEqual([code, ExitCode.usage]);
  });

  it('are 4 for a cancelled run and 1 for failures of the system', () => {
    expect(exitCodeFor('RUN_CANCELLED')).toBe(ExitCode.cancelled);
    expect(exitCodeFor('SQL_ERROR')).toBe(ExitCode.failed);
    expect(exitCodeFor('METADATA_UNREACHABLE')).toBe(ExitCode.failed);
  });

  it('match the table in docs/cli.md, code for code', async () => {
    const documented = await documentedCodes();
    expect(documented.size).toBeGreaterThan(50);
    const { EXIT_CODES } = await import('../../src/cli/exit-code.js');
    expect(Object.fromEntries(documented)).toEqual(EXIT_CODES);
  });
});
