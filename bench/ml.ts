// Training on real data: the vega-datasets flights-3m Parquet (label: delay over 15 minutes;
// features hour, weekday, month, distance, origin, destination), 80/20 seeded split, 2 threads.
// Lakebox's gbdt (depth 6, learning rate 0.1, 100 rounds) against XGBoost tree_method=hist,
// and Lakebox's logistic regression against scikit-learn's lbfgs on integer codes and on
// one-hot codes; each fit in its own process (time, test AUC, peak RSS), BENCH_RUNS (3) times
// alternating, medians quoted. The anchors come from Debian's python3-xgboost and
// python3-sklearn: found, or installed with apt-get when we may; without them, Lakebox alone.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { seededRandom } from '../src/ml/features/seeded-random.js';
import { figure, median, ms } from './measure.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const THREADS = Number(process.env['BENCH_THREADS'] ?? 2);
const PARQUET = fileURLToPath(
  new URL('../node_modules/vega-datasets/data/flights-3m.parquet', import.meta.url),
);
const here = (file: string) => fileURLToPath(new URL(`./ml/${file}`, import.meta.url));

type Result = Record<string, number | string>;

/** A Python that imports both anchors, installing Debian's packages if we are root and may. */
function findPython(): string | undefined {
  const works = (python: string) =>
    spawnSync(python, ['-c', 'import xgboost, sklearn, scipy'], { stdio: 'ignore' }).status === 0;
  const candidates = ['/usr/bin/python3', 'python3'];
  const found = candidates.find(works);
  if (found) return found;
  if (process.env['BENCH_NO_INSTALL'] !== '1' && process.getuid?.() === 0) {
    console.log('installing the anchors: apt-get install -y python3-xgboost python3-sklearn');
    spawnSync('apt-get', ['install', '-y', 'python3-xgboost', 'python3-sklearn'], {
      stdio: 'ignore',
    });
  }
  return candidates.find(works);
}

/** Writes the columns (bench/ml/flights-columns.ts reads them) and returns the row count. */
async function prepare(dir: string): Promise<number> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const reader = await connection.runAndReadAll(`
    WITH f AS (SELECT * FROM read_parquet('${PARQUET}') WHERE delay IS NOT NULL)
    SELECT hour(date)::DOUBLE AS hour, isodow(date)::DOUBLE AS weekday, month(date)::DOUBLE AS month,
           distance::DOUBLE AS distance,
           (dense_rank() OVER (ORDER BY origin) - 1)::INTEGER AS origin,
           (dense_rank() OVER (ORDER BY destination) - 1)::INTEGER AS destination,
           (delay > 15)::DOUBLE AS label
    FROM f ORDER BY date, origin, destination, distance, delay`);
  const data = reader.getColumnsObjectJS() as Record<string, number[]>;
  const levels = async (column: string) =>
    (
      await connection.runAndReadAll(
        `SELECT DISTINCT ${column} AS v FROM read_parquet('${PARQUET}') WHERE delay IS NOT NULL ORDER BY 1`,
      )
    )
      .getRowObjectsJS()
      .map((r) => String(r['v']));
  const rows = data['label']!.length;
  for (const name of ['hour', 'weekday', 'month', 'distance', 'label'])
    await writeFile(join(dir, `${name}.f64`), Float64Array.from(data[name]!));
  for (const name of ['origin', 'destination'])
    await writeFile(join(dir, `${name}.i32`), Int32Array.from(data[name]!));
  const random = seededRandom(1);
  await writeFile(
    join(dir, 'test.u8'),
    Uint8Array.from({ length: rows }, () => (random() < 0.2 ? 1 : 0)),
  );
  await writeFile(
    join(dir, 'meta.json'),
    JSON.stringify({
      rows,
      levels: { origin: await levels('origin'), destination: await levels('destination') },
    }),
  );
  connection.closeSync();
  return rows;
}

function child(command: string, args: string[], threads = THREADS): Result {
  const stdout = execFileSync(command, args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      BENCH_THREADS: String(threads),
      OMP_NUM_THREADS: String(threads),
      OPENBLAS_NUM_THREADS: String(threads),
    },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Result;
}

const lakebox = (mode: string, threads = THREADS) =>
  child(process.execPath, ['--import', 'tsx', here('fit-lakebox.ts'), mode, dir], threads);
const anchor = (python: string, mode: string) => child(python, [here('anchors.py'), mode, dir]);
const med = (results: Result[], key: string) => median(results.map((r) => Number(r[key])));
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const rate = (perSec: number) => `${Math.round(perSec).toLocaleString('en-US')} rows/s`;

const dir = await mkdtemp(join(tmpdir(), 'lakebox-bench-ml-'));
try {
  const rows = await prepare(dir);
  console.log(
    `flights-3m: ${rows.toLocaleString('en-US')} rows, 80/20 split, ${THREADS} threads, ${RUNS} run(s) each`,
  );
  const python = findPython();
  if (!python)
    console.log(
      'XGBoost and scikit-learn not found (apt-get install -y python3-xgboost python3-sklearn): Lakebox figures alone',
    );

  const gbdt: Result[] = [];
  const gbdtOneThread: Result[] = [];
  const xgb: Result[] = [];
  const logistic: Result[] = [];
  const codes: Result[] = [];
  for (let i = 0; i < RUNS; i++) {
    gbdt.push(lakebox('gbdt'));
    // What the worker threads bring, measured beside them.
    if (THREADS > 1) gbdtOneThread.push(lakebox('gbdt', 1));
    if (python) xgb.push(anchor(python, 'xgboost'));
    logistic.push(lakebox('logistic'));
    if (python) codes.push(anchor(python, 'sklearn-codes'));
  }
  // The one-hot anchor sets the AUC logistic regression should reach; it is slow, so once.
  const onehot = python ? anchor(python, 'sklearn-onehot') : undefined;

  console.log('\ngradient-boosted trees, depth 6, learning rate 0.1, 100 rounds');
  figure(`Lakebox gbdt on ${THREADS} threads: training time, median`, ms(med(gbdt, 'fitMs')));
  figure('Lakebox gbdt: test AUC', med(gbdt, 'auc').toFixed(4));
  figure('Lakebox gbdt: peak RSS of the process', mb(med(gbdt, 'maxRssKb')));
  if (gbdtOneThread.length > 0)
    figure('Lakebox gbdt on 1 thread: training time, median', ms(med(gbdtOneThread, 'fitMs')));
  if (python) {
    figure(
      `XGBoost ${xgb[0]!['version']} hist (${xgb[0]!['categorical']} categoricals): time, median`,
      ms(med(xgb, 'fitMs')),
    );
    figure('XGBoost: test AUC', med(xgb, 'auc').toFixed(4));
    figure('XGBoost: peak RSS of the process', mb(med(xgb, 'maxRssKb')));
    figure(
      'ratio time Lakebox / XGBoost (target <= 1.5)',
      (med(gbdt, 'fitMs') / med(xgb, 'fitMs')).toFixed(2),
    );
    figure(
      'AUC Lakebox - XGBoost (target >= -0.005)',
      (med(gbdt, 'auc') - med(xgb, 'auc')).toFixed(4),
    );
    figure(
      'ratio peak RSS Lakebox / XGBoost (target <= 1)',
      (med(gbdt, 'maxRssKb') / med(xgb, 'maxRssKb')).toFixed(2),
    );
  }

  console.log('\nprediction throughput on the test rows');
  figure('Lakebox native scorer, median', rate(med(gbdt, 'nativeRowsPerSec')));
  figure('Lakebox ONNX export in onnxruntime-node, median', rate(med(gbdt, 'onnxRowsPerSec')));
  if (python) figure('XGBoost predict, median', rate(med(xgb, 'predictRowsPerSec')));

  console.log('\nlogistic regression (L2, C = 1)');
  figure('Lakebox logistic (one-hot): time, median', ms(med(logistic, 'fitMs')));
  figure('Lakebox logistic: test AUC', med(logistic, 'auc').toFixed(4));
  if (python && onehot) {
    figure(
      `scikit-learn ${codes[0]!['version']} lbfgs, integer codes: time, median`,
      ms(med(codes, 'fitMs')),
    );
    figure('scikit-learn lbfgs, integer codes: test AUC', med(codes, 'auc').toFixed(4));
    figure('scikit-learn lbfgs, one-hot (sparse): time, one run', ms(Number(onehot['fitMs'])));
    figure('scikit-learn lbfgs, one-hot: test AUC', Number(onehot['auc']).toFixed(4));
    figure(
      'ratio time Lakebox / scikit-learn codes (target <= 1)',
      (med(logistic, 'fitMs') / med(codes, 'fitMs')).toFixed(2),
    );
    figure(
      'AUC Lakebox - scikit-learn one-hot (target >= 0)',
      (med(logistic, 'auc') - Number(onehot['auc'])).toFixed(4),
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
