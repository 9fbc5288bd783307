import { Command, CommanderError } from 'commander';
import { LakeError } from '../errors/lake-error.js';
import { CliContext } from './cli-context.js';
import { ClosedPipe } from './closed-pipe.js';
import { crawlCommand, crawlerCommand } from './commands/crawler-command.js';
import { databasesCommand } from './commands/databases-command.js';
import { eventsCommand } from './commands/events-command.js';
import { dlqCommand } from './commands/dlq-command.js';
import { functionCommand } from './commands/function-command.js';
import { triggerCommand } from './commands/trigger-command.js';
import { endpointCommand } from './commands/endpoint-command.js';
import { dispatchCommand } from './commands/dispatch-command.js';
import { syncCommand } from './commands/sync-command.js';
import { initCommand } from './commands/init-command.js';
import { jobCommand } from './commands/job-command.js';
import { loadCommand, vacuumCommand } from './commands/load-command.js';
import { migrateCommand } from './commands/migrate-command.js';
import { mlCommand } from './commands/ml-command.js';
import { sourceCommand } from './commands/source-command.js';
import { qualityCommand } from './commands/quality-command.js';
import { queryCommand } from './commands/query-command.js';
import { runCommand, runsCommand } from './commands/runs-command.js';
import { historyCommand, tableCommand, tablesCommand } from './commands/tables-command.js';
import { tokenCommand } from './commands/token-command.js';
import { schedulesCommand } from './commands/schedules-command.js';
import { serveCommand } from './commands/serve-command.js';
import { watchCommand } from './commands/watch-command.js';
import { workerCommand } from './commands/worker-command.js';
import { ExitCode, exitCodeFor } from './exit-code.js';

export function buildProgram(): Command {
  const program = new Command('lakebox')
    .description(
      'A data lake on your laptop, or on S3 and PostgreSQL: migrate, store, catalog, transform, query.',
    )
    .version(process.env['npm_package_version'] ?? '0.1.0', '-V, --version')
    .option('--lake <dir>', 'the lake directory (default: $LAKEBOX_LAKE or the current directory)')
    .option('--json', 'machine-readable JSON output')
    .option('--debug', 'show stack traces on errors')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  for (const command of [
    initCommand(),
    queryCommand(),
    databasesCommand(),
    tablesCommand(),
    tableCommand(),
    historyCommand(),
    loadCommand(),
    vacuumCommand(),
    runsCommand(),
    runCommand(),
    eventsCommand(),
    sourceCommand(),
    migrateCommand(),
    crawlerCommand(),
    crawlCommand(),
    qualityCommand(),
    jobCommand(),
    functionCommand(),
    triggerCommand(),
    dlqCommand(),
    mlCommand(),
    endpointCommand(),
    syncCommand(),
    workerCommand(),
    serveCommand(),
    dispatchCommand(),
    watchCommand(),
    schedulesCommand(),
    tokenCommand(),
  ]) {
    program.addCommand(command.exitOverride());
  }
  return program;
}

/** Runs the CLI; returns the exit code rather than exiting, so tests can call it in-process. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // Errors go to stderr; if its reader has gone too (`2>&1 | head`), they are dropped.
  ClosedPipe.of(process.stderr);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    return reportError(error, program);
  } finally {
    await CliContext.of(program).close();
  }
}

function reportError(error: unknown, program: Command): number {
  if (error instanceof CommanderError) {
    // Commander already printed help, the version, or its one-line usage error.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  const debug = program.opts<{ debug?: boolean }>().debug ?? process.argv.includes('--debug');
  if (error instanceof LakeError) {
    process.stderr.write(`lakebox: ${error.message} [${error.code}]\n`);
    if (debug) process.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error.code);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `lakebox: internal error: ${message.split('\n')[0]} (run again with --debug for details) [INTERNAL]\n`,
  );
  if (debug) process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
  return ExitCode.failed;
}
