import { Command } from 'commander';
import { attachTrainCommands } from './ml-train-command.js';

/**
 * `lakebox ml`: machine learning on lake tables. A minimal parent for `train` and `report`;
 * the registry's subcommands (models, versions, show, approve, alias, compare, import) join
 * it from their own module.
 */
export function mlCommand(): Command {
  return attachTrainCommands(
    new Command('ml').description('machine learning on lake tables: train, report (SageMaker)'),
  );
}
