/**
 * What was tried for bench:timeseries (docs/anomaly.md, "Time series: NAB"):
 * variants of aekit's time-series scoring on the NAB series of one part
 * (development by default), each a mean point-wise ROC-AUC / PR-AUC over the
 * series with anomalies, trained as the benchmark trains (first 15 %, one seed).
 *
 *   node --import tsx bench/experiments/nab-variants.ts --data-dir ../shared/data/nab [--part dev] [--window 64] [--seed 1] [--model dense|conv1d]
 *       [--hidden 32] [--code 8] [--epochs 10] [--activation relu] [--k 5] [--ensembles 32,64;16,32,64] [--default-only]
 *
 * One model per series (a series model, seriesModelConfig: 'dense' by default
 * here, the runs recorded in docs/results/nab-variants-*.txt having been made
 * before the conv1d model existed; under TimeSeriesDetector);
 * its windows are then scored by:
 * - the score kinds `mse`, `knn` and `combined` (the default), each spread to
 *   steps four ways: the mean of the windows covering the step (the
 *   detector's), their max, the window ending at the step (causal), the
 *   window centred on it;
 * - the squared error of each step itself, averaged over the windows covering it;
 * - for reference, k-NN (k 5) over the raw windows, no model;
 * and, each with a model of its own: differenced series (xₜ − xₜ₋₁), robust
 * scaling (median and IQR of the training part instead of mean and std),
 * ensembles of window lengths (standardized step scores summed).
 * `--default-only` runs the default detector alone (for sweeps of the model).
 */
import { AnomalyDetector } from '../../src/anomaly/detector.js';
import { knnMeanDistance } from '../../src/anomaly/knn.js';
import { type SeriesModelKind, seriesModelConfig } from '../../src/anomaly/series-model.js';
import { TimeSeriesDetector, slidingWindows, stepScores } from '../../src/anomaly/timeseries.js';
import { type ActivationName } from '../../src/layers/activations.js';
import { type AutoencoderModel } from '../../src/models/base.js';
import { Conv1DAutoencoder, type Conv1DAutoencoderConfig } from '../../src/models/conv1d.js';
import { Autoencoder, type AutoencoderConfig } from '../../src/models/dense.js';
import { type AucPair, meanPair, seriesMetrics } from '../timeseries/metrics.js';
import { type NabSeries, nabParts, readNab } from '../timeseries/nab.js';
import { standardizeBy, windowPca } from '../timeseries/peers.js';
import { TRAIN_FRACTION } from '../timeseries/protocol.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
};
const dataDir = arg('data-dir', '../shared/data/nab');
const part = arg('part', 'dev');
const W = Number(arg('window', '64'));
const seed = Number(arg('seed', '1'));
const kind = arg('model', 'dense') as SeriesModelKind;
const hidden = Number(arg('hidden', '32'));
const code = Number(arg('code', '8'));
const epochs = Number(arg('epochs', '10'));
const activation = arg('activation', 'relu') as ActivationName;
const k = Number(arg('k', '5'));
const defaultOnly = args.includes('--default-only');
const ensembles = arg('ensembles', `${W / 2},${W};${W / 4},${W / 2},${W}`).split(';').filter(Boolean).map((s) => s.split(',').map(Number));

const all = readNab(dataDir);
const parts = nabParts(all.map((s) => s.file));
const series = all.filter((s) => s.labels.some((v) => v === 1) && (part === 'all' || parts.get(s.file) === part));

const results = new Map<string, AucPair[]>();
const add = (name: string, scores: Float64Array, s: NabSeries, p: number) => {
  const m = seriesMetrics(scores, s.labels, p)!;
  results.set(name, [...(results.get(name) ?? []), m]);
};

/** Window scores to step scores: 'mean' (the detector's), 'max', 'end' (the window ending at the step), 'centre'. */
function spread(ws: ArrayLike<number>, starts: readonly number[], w: number, n: number, how: string): Float64Array {
  if (how === 'mean') return stepScores(ws, starts, w, n);
  const out = new Float64Array(n).fill(how === 'max' ? -Infinity : NaN);
  starts.forEach((s, i) => {
    if (how === 'max') for (let t = s; t < s + w; t++) out[t] = Math.max(out[t]!, ws[i]!);
    else out[how === 'end' ? s + w - 1 : s + Math.floor((w - 1) / 2)] = ws[i]!;
  });
  // Steps no window ends (or is centred) at take the nearest scored step's score.
  let last = NaN;
  for (let t = 0; t < n; t++) Number.isNaN(out[t]!) ? (out[t] = last) : (last = out[t]!);
  for (let t = n - 1; t >= 0; t--) if (Number.isNaN(out[t]!)) out[t] = out[t + 1]!;
  return out;
}

/** A series model (seriesModelConfig) of the kind asked for, with the hidden activation asked for. */
function model(window: number): AutoencoderModel {
  const config = seriesModelConfig(window, 1, { kind, code, ...(kind === 'dense' ? { hidden } : {}) });
  const { className: _, ...c } = config;
  const m = config.className === 'Autoencoder'
    ? new Autoencoder({ ...(c as AutoencoderConfig), encoder: { ...(c as AutoencoderConfig).encoder, activation } })
    : new Conv1DAutoencoder({ ...(c as Conv1DAutoencoderConfig), encoder: { ...(c as Conv1DAutoencoderConfig).encoder, activation } });
  return m.compile({ seed });
}

async function detector(values: Float32Array, p: number, window: number, standardize = true): Promise<TimeSeriesDetector> {
  // Unsmoothed steps, as the detector scored when docs/results/nab-variants-*.txt were made (smoothing came after them).
  const det = new TimeSeriesDetector(model(window), { window, k, standardize, smoothing: 1 });
  await det.fit(values.subarray(0, p), { train: { epochs, seed, worker: false } });
  return det;
}

function trainStandardized(scores: Float64Array, p: number): Float64Array {
  let m = 0;
  for (let i = 0; i < p; i++) m += scores[i]!;
  m /= p;
  let v = 0;
  for (let i = 0; i < p; i++) v += (scores[i]! - m) ** 2;
  const sd = Math.sqrt(v / p) || 1;
  return scores.map((x) => (x - m) / sd);
}

const started = performance.now();
for (const s of series) {
  const n = s.values.length;
  const p = Math.floor(TRAIN_FRACTION * n);
  const det = await detector(s.values, p, W);
  add('default detector (combined, mean of covering windows)', await det.scoreSteps(s.values), s, p);
  if (defaultOnly) continue;
  const x = standardizeBy(s.values, p);
  const w = slidingWindows(x, 1, { window: W });
  const nTrain = p - W + 1;
  const trainWindows = { x: w.x.subarray(0, nTrain * W), shape: [nTrain, W] };
  const zone = Math.min(W, Math.floor((nTrain - k + 1) / 2));
  for (const score of ['mse', 'knn', 'combined'] as const) {
    const d = await new AnomalyDetector(det.windows.model, { score, k }).fit(trainWindows, { train: false, exclusionZone: zone });
    const ws = await d.score({ x: w.x, shape: [w.starts.length, W] });
    for (const how of ['mean', 'max', 'end', 'centre']) add(`${score}, step = ${how} of windows`, spread(ws, w.starts, W, n, how), s, p);
  }
  const rec = await det.windows.model.reconstruct(w.x);
  const stepErr = new Float64Array(n);
  const count = new Float64Array(n);
  w.starts.forEach((st, i) => {
    for (let j = 0; j < W; j++) {
      stepErr[st + j] += (rec[i * W + j]! - w.x[i * W + j]!) ** 2;
      count[st + j]++;
    }
  });
  add("squared error of the step itself, mean over windows", stepErr.map((e, t) => e / count[t]!), s, p);
  add('reference: k-NN over raw windows (no model), mean of windows', spread(knnMeanDistance(w.x.subarray(0, nTrain * W), w.x, W, k), w.starts, W, n, 'mean'), s, p);
  add('reference: PCA peer (90 % variance)', windowPca(s.values, p, W).scores, s, p);
  const diff = Float32Array.from(s.values, (v, i) => (i === 0 ? 0 : v - s.values[i - 1]!));
  add('differenced series (x_t − x_t−1)', await (await detector(diff, p, W)).scoreSteps(diff), s, p);
  const sorted = Array.from(s.values.subarray(0, p)).sort((a, b) => a - b);
  const q = (f: number) => sorted[Math.floor(f * (p - 1))]!;
  const iqr = q(0.75) - q(0.25) || 1;
  const robust = Float32Array.from(s.values, (v) => (v - q(0.5)) / iqr);
  add('robust scaling (median, IQR) instead of mean, std', await (await detector(robust, p, W, false)).scoreSteps(robust), s, p);
  const byWindow = new Map<number, Float64Array>([[W, trainStandardized(await det.scoreSteps(s.values), p)]]);
  for (const e of ensembles) {
    for (const len of e) if (!byWindow.has(len)) byWindow.set(len, trainStandardized(await (await detector(s.values, p, len)).scoreSteps(s.values), p));
    const sum = new Float64Array(n);
    for (const len of e) byWindow.get(len)!.forEach((v, t) => { sum[t] += v; });
    add(`ensemble of windows ${e.join(' + ')}`, sum, s, p);
  }
  console.error(`${s.file} done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

console.log(`NAB ${part} series with anomalies: ${series.length}; window ${W}, seed ${seed}, model ${kind === 'dense' ? `${W}-${hidden}-${code}` : `conv1d code ${code}`} ${activation}, ${epochs} epochs, k ${k}; ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log('');
console.log('| variant | ROC-AUC | PR-AUC |');
console.log('| --- | --- | --- |');
for (const [name, list] of results) {
  const m = meanPair(list);
  console.log(`| ${name} | ${m.rocAuc.toFixed(1)} | ${m.prAuc.toFixed(1)} |`);
}
