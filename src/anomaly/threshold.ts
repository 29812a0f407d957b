/**
 * Threshold strategies: how a detector turns scores into 0/1 decisions
 * (flagged: score > threshold, as PyOD's `predict`).
 */
import { bestF1Threshold } from '../eval/detection.js';
import { meanStd, quantile } from '../eval/stats.js';

/**
 * How the threshold is chosen.
 * - `contamination`: the (1 − c) quantile of the training scores (numpy's
 *   `percentile` with linear interpolation, as PyOD), so a fraction c of the
 *   training data is flagged. c ∈ (0, 0.5]. The default, with c = 0.1 (PyOD's).
 * - `max`: the largest training score (nothing in the training data is flagged).
 * - `meanStd`: μ + k·σ of the training scores (population σ). Default k = 3.
 * - `manual`: a value set by hand.
 * - `bestF1`: the threshold with the best F1 on a labelled validation set
 *   (see {@link bestF1Threshold}); the detector scores the set itself.
 */
export type ThresholdStrategy =
  | { type: 'contamination'; contamination: number }
  | { type: 'max' }
  | { type: 'meanStd'; k?: number }
  | { type: 'manual'; value: number }
  | { type: 'bestF1'; x: Float32Array; labels: ArrayLike<number | boolean> };

/** The strategy as recorded in a saved detector (a best-F1 threshold keeps its value, not its data). */
export type SavedThresholdStrategy =
  | { type: 'contamination'; contamination: number }
  | { type: 'max' }
  | { type: 'meanStd'; k: number }
  | { type: 'manual' }
  | { type: 'bestF1'; f1: number };

/** Checks a contamination fraction: PyOD's range (0, 0.5]. */
export function checkContamination(c: unknown, what: string): number {
  if (typeof c !== 'number' || !(c > 0 && c <= 0.5)) {
    throw new RangeError(`${what}: contamination must be a number in (0, 0.5] (the expected fraction of anomalies in the training data), got ${JSON.stringify(c) ?? String(c)}`);
  }
  return c;
}

/** The contamination threshold: the (1 − c) quantile of the training scores. */
export function contaminationThreshold(trainScores: ArrayLike<number>, contamination: number): number {
  return quantile(trainScores, 1 - checkContamination(contamination, 'contaminationThreshold'));
}

/** The largest training score. */
export function maxThreshold(trainScores: ArrayLike<number>): number {
  if (trainScores.length === 0) throw new RangeError('maxThreshold: no training scores');
  let m = -Infinity;
  for (let i = 0; i < trainScores.length; i++) m = Math.max(m, trainScores[i]!);
  return m;
}

/** μ + k·σ of the training scores. */
export function meanStdThreshold(trainScores: ArrayLike<number>, k = 3): number {
  if (typeof k !== 'number' || !Number.isFinite(k)) throw new RangeError(`meanStdThreshold: k must be a finite number, got ${String(k)}`);
  const { mean, std } = meanStd(trainScores);
  return mean + k * std;
}

export { bestF1Threshold, meanStd, quantile };
