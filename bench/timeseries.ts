/**
 * Time-series anomaly benchmark (issue 25, part 5): `npm run bench:timeseries -- [--quick] [--json] [--seeds 1,2]`
 *
 * NAB (../shared/data/nab, or --data-dir): per series, fit on the first 15 %,
 * score every step, point-wise ROC-AUC and PR-AUC (average precision), means
 * over the series with anomalies; aekit's TimeSeriesDetector next to a moving
 * z-score, PCA and IsolationForest over sliding windows, in the same run.
 * With --json the last stdout line is `{ nab: { rocAuc, prAuc, perSeries:
 * { file: { rocAuc, prAuc } }, peers: { name: { rocAuc, prAuc } }, ... } }`
 * (aekit's numbers: the mean of the seeds).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { benchCommand, type CommonBenchOptions, integer, runBench } from './lib/cli.js';
import { type TimeseriesBenchResult, PCA_VARIANCE, WINDOW, formatTimeseriesTables, runTimeseriesBenchmark } from './timeseries/protocol.js';
import { writeFileAtomic } from '../src/io/files.js';
import { type SeriesModelKind } from '../src/anomaly/series-model.js';

const DEFAULT_DATA = resolve('../shared/data/nab');

const program = benchCommand('bench:timeseries', 'NAB time-series anomaly detection: aekit TimeSeriesDetector vs moving z-score, window PCA and window IsolationForest', {
  quick: 'one series per category, 2 epochs (smoke test)',
  json: 'print one JSON object { nab: { rocAuc, prAuc, perSeries, peers, ... } } on the last line',
  seed: 'seed of aekit\'s training and IsolationForest (one seed; --seeds for several)',
})
  .option('--data-dir <dir>', `the NAB folder (default ${DEFAULT_DATA} when present)`)
  .option('--seeds <list>', 'comma-separated seeds; aekit and IsolationForest run once per seed', (v: string) => {
    const list = v.split(',').map((s) => s.trim());
    if (list.length === 0 || !list.every((s) => /^\d+$/.test(s))) throw new InvalidArgumentError(`--seeds must be comma-separated non-negative integers, got '${v}'`);
    return [...new Set(list.map(Number))];
  })
  .option('--part <part>', "series to run: all (default), dev or heldout", (v: string) => {
    if (!['all', 'dev', 'heldout'].includes(v)) throw new InvalidArgumentError(`--part must be all, dev or heldout, got '${v}'`);
    return v as 'all' | 'dev' | 'heldout';
  })
  .option('--only <list>', 'comma-separated parts of file names: run only the series whose name contains one', (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .option('--window <n>', `window length in steps, for aekit and the peers (default ${WINDOW})`, integer('--window', 2))
  .option('--epochs <n>', 'aekit training epochs (default: the detector\'s 10; quick 2)', integer('--epochs', 1))
  .option('--batch-size <n>', 'aekit training batch size (default 32)', integer('--batch-size', 1))
  .option('--model <kind>', "aekit's model: conv1d (default, the library's series model), dense, or for comparison lstm or transformer (the presets' models, code --code)", (v: string) => {
    if (!['dense', 'conv1d', 'lstm', 'transformer'].includes(v)) throw new InvalidArgumentError(`--model must be conv1d, dense, lstm or transformer, got '${v}'`);
    return v as SeriesModelKind;
  })
  .option('--hidden <n>', 'hidden units of the dense model (default 32)', integer('--hidden', 1))
  .option('--code <n>', 'code size of aekit\'s model (default 8)', integer('--code', 1))
  .option('--pca-variance <x>', `PCA peer: share of variance its components keep (default ${PCA_VARIANCE})`, (v: string) => {
    const x = Number(v);
    if (!(x > 0 && x <= 1)) throw new InvalidArgumentError(`--pca-variance must be in (0, 1], got '${v}'`);
    return x;
  })
  .option('--smoothing <n>', 'width of the centred moving mean over every method\'s step scores (default 2 × window, the detector\'s; 1: none)', integer('--smoothing', 1))
  .option('--no-python', 'skip scikit-learn\'s IsolationForest')
  .option('--out <file>', 'also write the JSON result here', 'runs/bench-timeseries/results.json')
  .parse();
const opts = program.opts<CommonBenchOptions & {
  dataDir?: string; seeds?: number[]; part?: 'all' | 'dev' | 'heldout'; only?: string[]; window?: number; epochs?: number; batchSize?: number;
  model?: SeriesModelKind; hidden?: number; code?: number; pcaVariance?: number; smoothing?: number; python: boolean; out: string;
}>();

const dataDir = opts.dataDir ?? DEFAULT_DATA;
if (!existsSync(join(dataDir, 'combined_windows.json'))) {
  console.error(`bench:timeseries: no NAB data at ${dataDir} (combined_windows.json and data/): pass --data-dir. The series are NAB's (github.com/numenta/NAB, MIT): data/ and labels/combined_windows.json.`);
  process.exit(2);
}

function nabJson(r: TimeseriesBenchResult) {
  const seedMean = (m: Record<string, { rocAuc: number; prAuc: number } | null>) => {
    const list = Object.values(m).filter((x): x is { rocAuc: number; prAuc: number } => !!x);
    return { rocAuc: list.reduce((a, x) => a + x.rocAuc, 0) / list.length, prAuc: list.reduce((a, x) => a + x.prAuc, 0) / list.length };
  };
  return {
    nab: {
      rocAuc: r.summary.all.aekit.mean.rocAuc,
      prAuc: r.summary.all.aekit.mean.prAuc,
      perSeries: Object.fromEntries(r.series.filter((s) => !s.excluded).map((s) => [s.file, { ...seedMean(s.aekit), part: s.part, peers: Object.fromEntries(Object.entries(s.peers).map(([p, m]) => [p, seedMean(m!)])) }])),
      peers: Object.fromEntries(Object.entries(r.summary.all.peers).map(([p, m]) => [p, m!.mean])),
      seeds: r.seeds,
      perSeed: { aekit: r.summary.all.aekit.perSeed, peers: Object.fromEntries(Object.entries(r.summary.all.peers).map(([p, m]) => [p, m!.perSeed])) },
      parts: { dev: r.summary.dev, heldout: r.summary.heldout },
      afterProbation: r.summary.all.afterProbation,
      series: r.summary.all.n,
      excluded: r.excluded,
      goal: r.goal,
      protocol: r.protocol,
    },
  };
}

await runBench('bench:timeseries', opts.json, async (log) => {
  const result = await runTimeseriesBenchmark({
    dataDir, quick: opts.quick, seed: opts.seed, seeds: opts.seeds, threads: opts.threads, part: opts.part, only: opts.only, window: opts.window, model: opts.model,
    epochs: opts.epochs, batchSize: opts.batchSize, hidden: opts.hidden, code: opts.code, pcaVariance: opts.pcaVariance, smoothing: opts.smoothing, python: opts.python, log,
  });
  writeFileAtomic(opts.out, `${JSON.stringify(nabJson(result), null, 1)}\n`);
  return result;
}, {
  table: formatTimeseriesTables,
  seconds: (r) => r.protocol.seconds as number,
  json: nabJson,
});
