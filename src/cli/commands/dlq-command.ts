import { Command } from 'commander';
import { LakeError } from '../../errors/lake-error.js';
import type { DeadLetter } from '../../functions/function-types.js';
import { CliContext } from '../cli-context.js';

/** `lakebox dlq list|replay`: asynchronous invocations that failed every attempt. */
export function dlqCommand(): Command {
  const dlq = new Command('dlq').description(
    'dead letters: asynchronous function invocations that failed all their attempts',
  );
  dlq
    .command('list')
    .description('dead letters not yet replayed, oldest first')
    .option('--function <name>', 'only those of this function')
    .option('--all', 'include the letters already replayed')
    .action(async (opts: { function?: string; all?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      const letters = await (
        await context.lake()
      ).functions.deadLetters({
        function: opts.function,
        replayed: opts.all ?? false,
      });
      if (context.output.json) return context.output.data(letters);
      if (letters.length === 0) return context.output.line('No dead letters.');
      context.output.table(letters.map(row));
    });
  dlq
    .command('replay')
    .description('queue a dead letter event again as a new invocation (of the latest version)')
    .argument('[id]', 'the dead letter id from lakebox dlq list')
    .option('--all', 'replay every letter not yet replayed')
    .action(async (id: string | undefined, opts: { all?: boolean }, command: Command) => {
      const context = CliContext.of(command);
      if ((id === undefined) === (opts.all === undefined))
        throw new LakeError('INVALID_ARGUMENT', 'Give a dead letter id or --all.');
      if (id !== undefined && !/^\d+$/.test(id))
        throw new LakeError(
          'INVALID_ARGUMENT',
          `Dead letter id ${id} is not a number; see lakebox dlq list.`,
        );
      const lake = await context.lake();
      const replayed = await lake.functions.replay(id === undefined ? 'all' : Number(id));
      if (context.output.json) return context.output.data(replayed);
      if (replayed.length === 0) return context.output.line('No dead letters to replay.');
      context.output.table(replayed.map(row));
    });
  return dlq;
}

function row(letter: DeadLetter): Record<string, unknown> {
  return {
    id: letter.id,
    function: `${letter.function}:${letter.version}`,
    attempts: letter.attempts,
    error: `${letter.error.code}: ${letter.error.message}`,
    event: letter.event,
    failed: letter.createdAt,
    replayed: letter.replayRunId ? `run ${letter.replayRunId}` : '',
  };
}
