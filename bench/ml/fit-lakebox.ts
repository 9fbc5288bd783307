// One Lakebox side of `npm run bench -- ml`, in its own process so its peak memory is the
// model's alone: `gbdt` (fit, AUC, native and ONNX scoring throughput) or `logistic`.
// Prints one JSON line.
import * as ort from 'onnxruntime-node';
import type { Feature, FeatureSchema, TrainingSet } from '../../src/ml/algorithms/algorithm.js';
import { gbdt } from '../../src/ml/algorithms/gbdt/gbdt.js';
import { logisticRegression } from '../../src/ml/algorithms/logistic/logistic-algorithm.js';
import { rocAuc } from '../../src/ml/evaluation/classification-metrics.js';
import { frameOf, takeRows } from '../../src/ml/features/split-rows.js';
import { median } from '../measure.js';
import { CATEGORICAL, NUMERIC, loadFlightsColumns } from './flights-columns.js';

const [mode, dir] = process.argv.slice(2) as [string, string];
const threads = Number(process.env['BENCH_THREADS'] ?? 2);
const columns = await loadFlightsColumns(dir);
const features: Feature[] = [
  ...NUMERIC.map((name) => ({ name, kind: 'numeric' as const, values: columns.numeric[name] })),
  ...CATEGORICAL.map((name) => ({
    name,
    kind: 'categorical' as const,
    values: columns.categorical[name],
    levels: columns.levels[name],
  })),
];
const all: TrainingSet = { rows: columns.rows, features, target: columns.label };
const pick = (want: number) => {
  const rows: number[] = [];
  for (let i = 0; i < columns.rows; i++) if (columns.test[i] === want) rows.push(i);
  return takeRows(all, Int32Array.from(rows));
};
const train = pick(0);
const test = pick(1);
const classes = ['on time', 'late'];
const out: Record<string, unknown> = { mode, rowsTrain: train.rows, rowsTest: test.rows };
const now = () => Number(process.hrtime.bigint()) / 1e6;

if (mode === 'gbdt') {
  const params = gbdt.params({
    rounds: 100,
    maxDepth: 6,
    learningRate: 0.1,
    earlyStoppingRounds: 0,
  });
  const start = now();
  const model = await gbdt.fit(train, { problem: 'binary', classes, params, seed: 1, threads });
  out['fitMs'] = now() - start;
  out['maxRssKb'] = process.resourceUsage().maxRSS;
  const frame = frameOf(test);
  out['auc'] = rocAuc(test.target!, gbdt.predict(model, frame).values);
  const native: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = now();
    gbdt.predict(model, frame);
    native.push(now() - t0);
  }
  out['nativeRowsPerSec'] = test.rows / (median(native) / 1000);
  const schema: FeatureSchema[] = features.map((f) => ({
    name: f.name,
    kind: f.kind,
    source: f.name,
    sourceType: f.kind === 'numeric' ? 'DOUBLE' : 'VARCHAR',
  }));
  const session = await ort.InferenceSession.create(gbdt.toOnnx!(model, schema), {
    intraOpNumThreads: threads,
  });
  const width = features.length;
  const matrix = new Float64Array(test.rows * width);
  test.features.forEach((f, j) => {
    for (let i = 0; i < test.rows; i++) matrix[i * width + j] = f.values[i]!;
  });
  const input = { features: new ort.Tensor('float64', matrix, [test.rows, width]) };
  const onnx: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = now();
    await session.run(input);
    onnx.push(now() - t0);
  }
  out['onnxRowsPerSec'] = test.rows / (median(onnx) / 1000);
} else if (mode === 'logistic') {
  const params = logisticRegression.params({});
  const start = now();
  const model = await logisticRegression.fit(train, {
    problem: 'binary',
    classes,
    params,
    seed: 1,
    threads,
  });
  out['fitMs'] = now() - start;
  out['maxRssKb'] = process.resourceUsage().maxRSS;
  out['auc'] = rocAuc(test.target!, logisticRegression.predict(model, frameOf(test)).values);
} else throw new Error(`unknown mode ${mode}`);
console.log(JSON.stringify(out));
