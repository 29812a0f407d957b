/**
 * The baselines of the time-series benchmark that run in TypeScript: a moving
 * z-score and PCA over sliding windows (scikit-learn's IsolationForest runs in
 * peers.py). Every peer scores every step of a series, fitted on the first
 * `trainSteps` steps only (no labels), with the same channel scaling and the
 * same window-to-step spreading as aekit's {@link TimeSeriesDetector}.
 */
import { PCA } from '../../src/models/pca.js';
import { slidingWindows, stepScores } from '../../src/anomaly/timeseries.js';

/** Mean and standard deviation of the first `n` values (population σ; 1 when 0). */
export function trainStats(values: ArrayLike<number>, n: number): { mean: number; std: number } {
  let m = 0;
  for (let i = 0; i < n; i++) m += values[i]!;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[i]! - m) ** 2;
  const std = Math.sqrt(v / n);
  return { mean: m, std: std > 0 ? std : 1 };
}

/** Values standardized by the mean and std of the first `n` (what TimeSeriesDetector does to each channel). */
export function standardizeBy(values: ArrayLike<number>, n: number): Float32Array {
  const { mean, std } = trainStats(values, n);
  return Float32Array.from(values, (v) => (v - mean) / std);
}

/**
 * Moving z-score: |xₜ − μₜ| / σₜ with μₜ, σₜ the mean and std of the `window`
 * steps before t (fewer at the start; 0 for the first two steps and where σₜ
 * is 0). Causal and untrained, the classic streaming baseline.
 */
export function movingZScore(values: ArrayLike<number>, window: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  let s = 0;
  let s2 = 0;
  for (let t = 0; t < n; t++) {
    const m = Math.min(t, window);
    if (m >= 2) {
      const mean = s / m;
      const variance = Math.max(0, s2 / m - mean * mean);
      const sd = Math.sqrt(variance);
      out[t] = sd > 1e-12 * Math.max(1, Math.abs(mean)) ? Math.abs(values[t]! - mean) / sd : 0;
    }
    s += values[t]!;
    s2 += values[t]! ** 2;
    if (t >= window) {
      s -= values[t - window]!;
      s2 -= values[t - window]! ** 2;
    }
  }
  return out;
}

/**
 * PCA over sliding windows: windows of `window` steps (stride 1) of the
 * standardized series, PCA fitted on the training windows keeping the fewest
 * components that explain `variance` of their variance; a window's score is
 * its squared reconstruction error, a step's the mean over the windows
 * covering it.
 */
export function windowPca(values: ArrayLike<number>, trainSteps: number, window: number, variance = 0.9): { scores: Float64Array; components: number } {
  const x = standardizeBy(values, trainSteps);
  const all = slidingWindows(x, 1, { window });
  const nTrain = trainSteps - window + 1;
  if (nTrain < 2) throw new RangeError(`windowPca: ${trainSteps} training steps hold fewer than 2 windows of ${window}`);
  const train = all.x.subarray(0, nTrain * window);
  const full = PCA.fit({ x: train, shape: [nTrain, window] }, { components: Math.min(window, nTrain) });
  let k = 0;
  for (let acc = 0; k < full.components && acc < variance; k++) acc += full.explainedVarianceRatio[k]!;
  const pca = full.truncate(Math.max(1, k));
  const n = all.starts.length;
  const rec = pca.reconstruct({ x: all.x, shape: [n, window] });
  const ws = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let j = i * window; j < (i + 1) * window; j++) e += (all.x[j]! - rec[j]!) ** 2;
    ws[i] = e;
  }
  return { scores: stepScores(ws, all.starts, window, x.length), components: pca.components };
}
