/**
 * What was tried for bench:timeseries after run 1 (docs/anomaly.md, "Time
 * series: NAB"): seed ensembles of the default series model and other ways
 * of combining the window scores' parts, on the NAB series of one part
 * (development by default), trained as the benchmark trains (first 15 %).
 *
 *   node --import tsx bench/experiments/nab-ensemble.ts --data-dir ../shared/data/nab [--part dev] [--seed 1] [--members 3] [--epochs 10] [--smooth 64]
 *
 * Per series, `--members` default detectors (conv1d series model, windows of
 * 64, seeds seed, seed + 1000, …) are fitted; from each member's raw parts
 * (squared error and code k-NN, training windows scored with the detector's
 * exclusion zone) the variants below are built. Each part of each member is
 * standardized by its training windows' mean and std (as `combined` does)
 * or by their median and IQR/1.349 ("robust"), window scores are spread to
 * steps by the mean of the covering windows, and optionally smoothed again
 * by a centred moving mean of each width in `--smooth`.
 */
import { knnMeanDistance } from '../../src/anomaly/knn.js';
import { seriesAutoencoder } from '../../src/anomaly/series-model.js';
import { TimeSeriesDetector, slidingWindows, smoothSteps, stepScores } from '../../src/anomaly/timeseries.js';
import { type AucPair, meanPair, seriesMetrics } from '../timeseries/metrics.js';
import { nabParts, readNab } from '../timeseries/nab.js';
import { standardizeBy } from '../timeseries/peers.js';
import { TRAIN_FRACTION } from '../timeseries/protocol.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const dataDir = arg('data-dir', '../shared/data/nab');
const part = arg('part', 'dev');
const W = 64;
const K = 5;
const seed = Number(arg('seed', '1'));
const members = Number(arg('members', '3'));
const epochs = Number(arg('epochs', '10'));
const smoothWidths = arg('smooth', String(W)).split(',').map(Number);

const all = readNab(dataDir);
const parts = nabParts(all.map((s) => s.file));
const series = all.filter((s) => s.labels.some((v) => v === 1) && (part === 'all' || parts.get(s.file) === part));

const results = new Map<string, AucPair[]>();

type Scale = 'std' | 'robust';
/** (x − centre) / spread of the training windows' scores. */
function scaled(scores: Float64Array, train: Float64Array, how: Scale): Float64Array {
  let centre: number;
  let spread: number;
  if (how === 'std') {
    centre = train.reduce((a, v) => a + v, 0) / train.length;
    spread = Math.sqrt(train.reduce((a, v) => a + (v - centre) ** 2, 0) / train.length);
  } else {
    const sorted = Float64Array.from(train).sort();
    const q = (f: number) => sorted[Math.floor(f * (sorted.length - 1))]!;
    centre = q(0.5);
    spread = (q(0.75) - q(0.25)) / 1.349;
  }
  const sd = spread > 0 ? spread : 1;
  return scores.map((v) => (v - centre) / sd);
}

const started = performance.now();
for (const s of series) {
  const n = s.values.length;
  const p = Math.floor(TRAIN_FRACTION * n);
  const x = standardizeBy(s.values, p);
  const w = slidingWindows(x, 1, { window: W });
  const nTrain = p - W + 1;
  const allWindows = { x: w.x, shape: [w.starts.length, W, 1] };
  const trainWindows = { x: w.x.subarray(0, nTrain * W), shape: [nTrain, W, 1] };
  const add = (name: string, windowScores: Float64Array) => {
    const steps = stepScores(windowScores, w.starts, W, n);
    results.set(name, [...(results.get(name) ?? []), seriesMetrics(steps, s.labels, p)!]);
    for (const width of smoothWidths) {
      const key = `${name}, smoothed by ${width}`;
      results.set(key, [...(results.get(key) ?? []), seriesMetrics(smoothSteps(steps, width), s.labels, p)!]);
    }
  };
  // Per member: raw parts over all windows and over the training windows.
  const memberParts: { mse: Float64Array; knn: Float64Array; trainMse: Float64Array; trainKnn: Float64Array }[] = [];
  for (let m = 0; m < members; m++) {
    const det = new TimeSeriesDetector(seriesAutoencoder(W).compile({ seed: seed + 1000 * m }), { window: W });
    await det.fit(s.values.subarray(0, p), { train: { epochs, seed: seed + 1000 * m, worker: false } });
    const comps = await det.windows.componentScores(allWindows);
    const train = await det.windows.componentScores(trainWindows, { training: true });
    memberParts.push({ mse: comps.get('mse')!, knn: comps.get('knn')!, trainMse: train.get('mse')!, trainKnn: train.get('knn')! });
  }
  const rawKnn = knnMeanDistance(w.x.subarray(0, nTrain * W), w.x, W, K);
  const zone = Math.min(W, Math.floor((nTrain - K + 1) / 2));
  // Raw-window k-NN of the training windows, skipping overlapping ones (the detector's exclusion zone).
  const rawKnnTrain = new Float64Array(nTrain);
  for (let i = 0; i < nTrain; i++) {
    const d: number[] = [];
    for (let j = 0; j < nTrain; j++) {
      if (Math.abs(i - j) < zone) continue;
      let acc = 0;
      for (let k = 0; k < W; k++) acc += (w.x[i * W + k]! - w.x[j * W + k]!) ** 2;
      d.push(Math.sqrt(acc));
    }
    d.sort((a, b) => a - b);
    rawKnnTrain[i] = d.slice(0, K).reduce((a, v) => a + v, 0) / K;
  }
  const combo = (mIdx: number[], how: Scale, weights: { mse: number; knn: number; raw: number }) => {
    const out = new Float64Array(w.starts.length);
    for (const m of mIdx) {
      const mp = memberParts[m]!;
      const e = scaled(mp.mse, mp.trainMse, how);
      const k = scaled(mp.knn, mp.trainKnn, how);
      for (let i = 0; i < out.length; i++) out[i] += (weights.mse * e[i]! + weights.knn * k[i]!) / mIdx.length;
    }
    if (weights.raw > 0) {
      const r = scaled(rawKnn, rawKnnTrain, how);
      for (let i = 0; i < out.length; i++) out[i] += weights.raw * r[i]!;
    }
    return out;
  };
  const one = [0];
  const ens = memberParts.map((_, i) => i);
  const base = { mse: 1, knn: 1, raw: 0 };
  add('member 0: combined (the default detector)', combo(one, 'std', base));
  add('member 0: combined, robust scaling of parts', combo(one, 'robust', base));
  add('member 0: error + 2 × k-NN', combo(one, 'std', { mse: 1, knn: 2, raw: 0 }));
  add('member 0: combined + raw-window k-NN', combo(one, 'std', { mse: 1, knn: 1, raw: 1 }));
  add(`${members} members: mean of combined`, combo(ens, 'std', base));
  add(`${members} members: mean of combined, robust scaling`, combo(ens, 'robust', base));
  add(`${members} members: error + 2 × k-NN`, combo(ens, 'std', { mse: 1, knn: 2, raw: 0 }));
  add(`${members} members: combined + raw-window k-NN`, combo(ens, 'std', { mse: 1, knn: 1, raw: 1 }));
  add('raw-window k-NN alone', combo([], 'std', { mse: 0, knn: 0, raw: 1 }));
  console.error(`${s.file} done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

console.log(`NAB ${part} series with anomalies: ${series.length}; window ${W}, seed ${seed}, ${members} conv1d members (seeds ${seed} + 1000·i), ${epochs} epochs, k ${K}; ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log('');
console.log('| variant | ROC-AUC | PR-AUC |');
console.log('| --- | --- | --- |');
for (const [name, list] of results) {
  const m = meanPair(list);
  console.log(`| ${name} | ${m.rocAuc.toFixed(1)} | ${m.prAuc.toFixed(1)} |`);
}
