import { Command } from 'commander';
import type { ApiToken } from '../../tokens/api-token.js';
import { CliContext } from '../cli-context.js';

export function tokenCommand(): Command {
  const token = new Command('token')
    .description('API tokens for lakebox serve (required when it listens beyond loopback)')
    .addHelpText(
      'after',
      '\nClients send a token as "Authorization: Bearer <token>". Only a hash of it is stored:\nthe token is shown once, by create.',
    );
  token
    .command('create')
    .description('create a token and print it (the only time it is shown)')
    .argument('<name>', 'what the token is for, e.g. the client that holds it')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const created = await (await context.lake()).tokens.create(name);
      if (context.output.json) return context.output.data(created);
      context.output.line(created.token);
      process.stderr.write(
        `Token ${created.id} (${created.name}) created. Store it now: it is not shown again.\n`,
      );
    });
  token
    .command('list')
    .description('list tokens (never their values)')
    .action(async (_opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const tokens = await (await context.lake()).tokens.list();
      if (context.output.json) return context.output.data(tokens);
      if (tokens.length === 0) return context.output.line('No API tokens.');
      context.output.table(tokens.map(row));
    });
  token
    .command('revoke')
    .description('revoke a token: refused from the next request on')
    .argument('<id>', 'the token id from lakebox token list (or the whole token)')
    .action(async (id: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const revoked = await (await context.lake()).tokens.revoke(id);
      if (context.output.json) return context.output.data(revoked);
      context.output.line(`Token ${revoked.id} (${revoked.name}) is revoked.`);
    });
  return token;
}

function row(token: ApiToken): Record<string, string> {
  return {
    id: token.id,
    name: token.name,
    created: token.createdAt.toISOString(),
    'last used': token.lastUsedAt?.toISOString() ?? 'never',
    state: token.revokedAt ? `revoked ${token.revokedAt.toISOString()}` : 'active',
  };
}
