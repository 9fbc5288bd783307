/**
 * What boosting refuses before it starts, each with what to do instead: an empty or
 * featureless set, a target that does not fit the problem, bad weights, a validation set
 * shaped unlike the training set. Missing and infinite feature values are not refused: NaN is
 * missing (its own bin), and infinities are ordinary extreme values.
 */
import { LakeError } from '../../../errors/lake-error.js';
import type { FitRequest, TrainingSet } from '../algorithm.js';
import type { GbdtProblem } from './objective.js';

const PROBLEMS: Record<GbdtProblem, true> = { regression: true, binary: true, multiclass: true };

export function checkTrainingSet(data: TrainingSet, request: FitRequest<unknown>): GbdtProblem {
  const problem = request.problem;
  if (!(problem in PROBLEMS)) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `gbdt does not solve ${problem} problems; it solves ${Object.keys(PROBLEMS).join(', ')}.`,
    );
  }
  const typed = problem as GbdtProblem;
  const classes = request.classes?.length ?? 0;
  if (typed === 'binary' && classes !== 2) {
    throw new LakeError('INVALID_ARGUMENT', `A binary problem needs 2 classes; got ${classes}.`);
  }
  if (typed === 'multiclass' && classes < 2) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `A multiclass problem needs at least 2 classes; got ${classes}.`,
    );
  }
  checkSet(data, typed, classes, 'training');
  if (request.validation) {
    checkSet(request.validation, typed, classes, 'validation');
    const shape = (set: TrainingSet) => set.features.map((f) => `${f.name}:${f.kind}`).join(',');
    if (shape(request.validation) !== shape(data)) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        'The validation set has other features than the training set: split one encoded frame into both.',
      );
    }
  }
  return typed;
}

function checkSet(set: TrainingSet, problem: GbdtProblem, classes: number, role: string): void {
  if (set.rows === 0) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The ${role} set has no rows: train on a table or query that returns some.`,
    );
  }
  if (set.features.length === 0) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The ${role} set has no features: include at least one column besides the target.`,
    );
  }
  for (const feature of set.features) {
    if (feature.values.length !== set.rows) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `Feature ${feature.name} has ${feature.values.length} values for ${set.rows} rows.`,
      );
    }
  }
  const target = set.target;
  if (!target || target.length !== set.rows) {
    throw new LakeError(
      'INVALID_ARGUMENT',
      `The ${role} set needs a target value for each of its ${set.rows} rows.`,
    );
  }
  for (let i = 0; i < target.length; i++) {
    const y = target[i]!;
    const ok =
      problem === 'regression' ? Number.isFinite(y) : Number.isInteger(y) && y >= 0 && y < classes;
    if (!ok) {
      const expected =
        problem === 'regression' ? 'a finite number' : `a class index in [0, ${classes})`;
      throw new LakeError(
        'INVALID_ARGUMENT',
        `The ${role} target at row ${i} is ${y}, not ${expected}: drop or fill rows with a missing target.`,
        { details: { row: i } },
      );
    }
  }
  const weights = set.weights;
  if (weights) {
    if (weights.length !== set.rows) {
      throw new LakeError(
        'INVALID_ARGUMENT',
        `The ${role} set has ${weights.length} weights for ${set.rows} rows.`,
      );
    }
    for (let i = 0; i < weights.length; i++) {
      if (!(weights[i]! >= 0 && Number.isFinite(weights[i]!))) {
        throw new LakeError(
          'INVALID_ARGUMENT',
          `The ${role} weight at row ${i} is ${weights[i]}; weights are finite and >= 0.`,
          {
            details: { row: i },
          },
        );
      }
    }
  }
}
