import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { LakeError } from '../../errors/lake-error.js';
import type { Endpoint, EndpointConfig } from '../../serving/endpoint.js';
import type { InvocationBody } from '../../serving/request-records.js';
import { serveEndpoint } from '../../server/serve-endpoint.js';
import { CliContext } from '../cli-context.js';
import { shutdownSignals } from '../shutdown-signals.js';
import { logLines } from '../log-lines.js';

interface VariantOptions {
  model?: string;
  variant: Array<{ name: string; model: string; weight: number }>;
  /** A ref; false from --no-shadow (update). */
  shadow?: string | false;
  instances?: number;
  capture?: number;
  description?: string;
}

/** `lakebox endpoint create|update|list|show|status|delete|invoke|serve`. */
export function endpointCommand(): Command {
  const endpoint = new Command('endpoint').description(
    'model endpoints: variants of model versions behind POST /endpoints/NAME/invocations (SageMaker endpoints)',
  );

  const variantOptions = (command: Command) =>
    command
      .option('--model <ref>', 'one variant "main" of this model ref (churn:3, churn@production)')
      .option(
        '--variant <name=ref:weight>',
        'a production variant with its traffic weight (repeat): a=churn:3:9 b=churn:4:1',
        collectVariant,
        [],
      )
      .option('--shadow <ref>', 'a shadow variant: gets a copy of every request, answers nothing')
      .option('--instances <n>', 'serving processes wanted (recorded)', whole('--instances'))
      .option(
        '--capture <share>',
        'write this share of requests and answers to endpoints.NAME_capture (0.1: one in ten)',
        Number,
      )
      .option('--description <text>', 'what the endpoint is for');

  variantOptions(
    endpoint
      .command('create')
      .description('create an endpoint; lakebox serve loads its models and serves it')
      .argument('<name>', 'endpoint name'),
  )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  lakebox endpoint create churn --model churn@production',
        '  lakebox endpoint create churn --variant a=churn:3:9 --variant b=churn:4:1 --shadow churn:5',
        '',
        'A --variant is NAME=REF:WEIGHT; its weight is always last (churn:3:9 is version 3, weight 9).',
      ].join('\n'),
    )
    .action(async (name: string, opts: VariantOptions, command: Command) => {
      const context = CliContext.of(command);
      const config = configOf(opts);
      if (!config.variants?.length)
        throw new LakeError('INVALID_ARGUMENT', 'Give --model REF or at least one --variant.');
      const created = await (await context.lake()).endpoints.create(name, config as EndpointConfig);
      if (context.output.json) return context.output.data(created);
      context.output.line(`Endpoint ${created.name}: ${describeVariants(created)}.`);
    });

  variantOptions(
    endpoint
      .command('update')
      .description(
        'change variants, weights or shadow; serving processes load the new models, then switch',
      )
      .argument('<name>', 'endpoint name')
      .option('--no-shadow', 'remove the shadow variant'),
  ).action(async (name: string, opts: VariantOptions, command) => {
    const context = CliContext.of(command as Command);
    const config = configOf(opts);
    const updated = await (
      await context.lake()
    ).endpoints.update(name, {
      ...(config.variants?.length ? { variants: config.variants } : {}),
      ...(opts.shadow === false
        ? { shadow: null }
        : config.shadow
          ? { shadow: config.shadow }
          : {}),
      ...(opts.instances !== undefined ? { instances: opts.instances } : {}),
      ...(config.capture ? { capture: config.capture } : {}),
      ...(opts.description !== undefined ? { description: opts.description } : {}),
    });
    if (context.output.json) return context.output.data(updated);
    context.output.line(
      `Endpoint ${updated.name}: ${describeVariants(updated)}. Serving processes switch once the models are loaded (lakebox endpoint status ${updated.name}).`,
    );
  });

  endpoint
    .command('list')
    .description('every endpoint')
    .action(async (_opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      const endpoints = await (await context.lake()).endpoints.list();
      if (context.output.json) return context.output.data(endpoints);
      if (endpoints.length === 0)
        return context.output.line(
          'No endpoints. Create one with lakebox endpoint create NAME --model REF.',
        );
      context.output.table(
        endpoints.map((e) => ({
          name: e.name,
          variants: describeVariants(e),
          instances: e.instances,
          updated: e.updatedAt.toISOString(),
        })),
      );
    });

  for (const verb of ['status', 'show']) {
    endpoint
      .command(verb)
      .description('an endpoint, the versions a serving process loaded, and a failed update')
      .argument('<name>', 'endpoint name')
      .action(async (name: string, _opts: unknown, command: Command) => {
        const context = CliContext.of(command);
        const status = await (await context.lake()).endpoints.status(name);
        if (context.output.json) return context.output.data(status);
        const { endpoint: e, deployment: d } = status;
        context.output.fields(`${e.name}${e.description ? ` - ${e.description}` : ''}`, {
          variants: describeVariants(e),
          instances: e.instances,
          state: d ? d.state : 'not served yet (start lakebox serve)',
          serving: d?.serving
            ?.map((v) => `${v.name}=${v.model}:${v.version}${v.shadow ? ' (shadow)' : ''}`)
            .join(', '),
          error: d?.error ?? undefined,
          capture: e.capture
            ? `${e.capture.sample * 100}% of requests` +
              (status.capture
                ? `: ${status.capture.written} written, ${status.capture.pending} pending, ${status.capture.dropped} dropped (writer behind)${status.capture.lastError ? `, last error: ${status.capture.lastError}` : ''}`
                : '')
            : undefined,
          host: d?.host,
          since: d?.updatedAt,
        });
        if (status.traffic.length > 0) {
          context.output.line('');
          context.output.table(
            status.traffic.map((t) => ({
              variant: t.variant + (t.shadow ? ' (shadow)' : ''),
              requests: t.requests,
              errors: t.errors,
              'mean ms': t.meanMs.toFixed(3),
            })),
          );
        }
      });
  }

  endpoint
    .command('delete')
    .description('delete an endpoint; serving processes stop serving it')
    .argument('<name>', 'endpoint name')
    .action(async (name: string, _opts: unknown, command: Command) => {
      const context = CliContext.of(command);
      await (await context.lake()).endpoints.delete(name);
      if (context.output.json) return context.output.data({ deleted: name });
      context.output.line(`Deleted endpoint ${name}.`);
    });

  endpoint
    .command('invoke')
    .description('score records with the endpoint in this process, as a request to it would')
    .argument('<name>', 'endpoint name')
    .option('--data <json>', 'a record, an array of records, or {"columns": {...}}')
    .option('--file <file>', 'records in a .csv file (header line first) or a .json file')
    .action(async (name: string, opts: { data?: string; file?: string }, command: Command) => {
      const context = CliContext.of(command);
      const answer = await (await context.lake()).endpoints.invoke(name, await bodyOf(opts));
      if (context.output.json) return context.output.data(answer);
      context.output.line(`variant ${answer.variant} (${answer.model}:${answer.version})`);
      context.output.table(
        answer.predictions.map((prediction, i) => ({
          record: i,
          prediction,
          ...(answer.probabilities
            ? { probability: Math.max(...answer.probabilities[i]!).toFixed(4) }
            : {}),
        })),
      );
    });

  endpoint
    .command('serve')
    .description('serve one endpoint alone, in this process, until SIGTERM')
    .argument('<name>', 'endpoint name')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', portOf, 8080)
    .addOption(
      new Option('--log-format <format>', 'one line per notable thing, for people or machines')
        .choices(['text', 'json'])
        .default('text'),
    )
    .action(
      async (
        name: string,
        opts: { host: string; port: number; logFormat: 'text' | 'json' },
        command: Command,
      ) => {
        const context = CliContext.of(command);
        const json = opts.logFormat === 'json' || context.output.json;
        const log = logLines(json);
        const signals = shutdownSignals();
        const running = await serveEndpoint(await context.lake(), name, {
          host: opts.host,
          port: opts.port,
          log,
        });
        const signal = await signals.first;
        log('stopping', { signal }, `${signal}: stopping.`);
        await running.stop();
        signals.dispose();
        log('stopped', {}, `Stopped serving endpoint ${name}.`);
      },
    );

  return endpoint;
}

function configOf(opts: VariantOptions): Partial<EndpointConfig> {
  const variants = [
    ...(opts.model ? [{ name: 'main', model: opts.model, weight: 1 }] : []),
    ...opts.variant,
  ];
  return {
    variants,
    ...(typeof opts.shadow === 'string' ? { shadow: { model: opts.shadow } } : {}),
    ...(opts.instances !== undefined ? { instances: opts.instances } : {}),
    ...(opts.capture !== undefined ? { capture: { sample: opts.capture } } : {}),
    ...(opts.description !== undefined ? { description: opts.description } : {}),
  };
}

/** NAME=REF:WEIGHT, the weight after the last colon (a ref may hold one: churn:3). */
function collectVariant(
  value: string,
  previous: VariantOptions['variant'],
): VariantOptions['variant'] {
  const match = /^([^=]+)=(.+):([^:]+)$/.exec(value);
  const weight = Number(match?.[3]);
  if (!match || !Number.isFinite(weight))
    throw new InvalidArgumentError(
      `--variant ${value}: write NAME=REF:WEIGHT, such as a=churn:3:9 or b=churn@production:1.`,
    );
  return [...previous, { name: match[1]!, model: match[2]!, weight }];
}

async function bodyOf(opts: { data?: string; file?: string }): Promise<InvocationBody> {
  if ((opts.data === undefined) === (opts.file === undefined))
    throw new LakeError('INVALID_ARGUMENT', 'Give --data JSON or --file F.csv (one of them).');
  const text =
    opts.file !== undefined
      ? await readFile(opts.file, 'utf8').catch(() => {
          throw new LakeError('FILE_NOT_FOUND', `File ${opts.file} cannot be read.`);
        })
      : opts.data!;
  if (opts.file?.toLowerCase().endsWith('.csv')) return { csv: text };
  try {
    return { json: JSON.parse(text) as unknown };
  } catch (error) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `${opts.file ?? '--data'} is not JSON (${(error as Error).message}); pass a record such as '{"tenure": 3}'.`,
    );
  }
}

function describeVariants(e: Endpoint): string {
  return [
    ...e.variants.map((v) => `${v.name}=${v.model} (weight ${v.weight})`),
    ...(e.shadow ? [`${e.shadow.name}=${e.shadow.model} (shadow)`] : []),
  ].join(', ');
}

function portOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('--port must be a whole number from 0 to 65535.');
  return n;
}

function whole(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag} must be a whole number of at least 1.`);
    return n;
  };
}
