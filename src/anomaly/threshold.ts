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

/** Checks a strategy's fields before anything is trained or scored; one line naming the field. */
export function checkStrategy(s: ThresholdStrategy): void {
  const t = (s as { type?: unknown } | null)?.type;
  switch (t) {
    case 'contamination':
      checkContamination((s as { contamination: unknown }).contamination, "threshold 'contamination'");
      return;
    case 'max':
      return;
    case 'meanStd': {
      const k = (s as { k?: unknown }).k;
      if (k !== undefined && (typeof k !== 'number' || !Number.isFinite(k))) throw new RangeError(`threshold 'meanStd': k must be a finite number, got ${JSON.stringify(k)}`);
      return;
    }
    case 'manual': {
      const v = (s as { value?: unknown }).value;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`threshold 'manual': value must be a finite number, got ${JSON.stringify(v)}`);
      return;
    }
    case 'bestF1':
      if (!(s as { x?: unknown }).x || !(s as { labels?: unknown }).labels) throw new RangeError("threshold 'bestF1': needs x (validation samples) and labels (1 = anomaly)");
      return;
    default:
      throw new RangeError(`threshold.type: expected 'contamination', 'max', 'meanStd', 'manual' or 'bestF1', got ${JSON.stringify(t)}`);
  }
}

/**
 * The threshold a (checked) strategy gives, and the strategy as saved.
 * `trainScores` are the training scores; `scoreValidation` scores a `bestF1`
 * strategy's labelled set with the detector's own score (and checks that
 * the labels match it).
 */
export async function applyThresholdStrategy(
  strategy: ThresholdStrategy,
  trainScores: ArrayLike<number>,
  scoreValidation: (s: Extract<ThresholdStrategy, { type: 'bestF1' }>) => Promise<ArrayLike<number>>,
): Promise<{ threshold: number; saved: SavedThresholdStrategy }> {
  switch (strategy.type) {
    case 'contamination':
      return { threshold: contaminationThreshold(trainScores, strategy.contamination), saved: { type: 'contamination', contamination: strategy.contamination } };
    case 'max':
      return { threshold: maxThreshold(trainScores), saved: { type: 'max' } };
    case 'meanStd': {
      const k = strategy.k ?? 3;
      return { threshold: meanStdThreshold(trainScores, k), saved: { type: 'meanStd', k } };
    }
    case 'manual':
      return { threshold: strategy.value, saved: { type: 'manual' } };
    case 'bestF1': {
      const best = bestF1Threshold(await scoreValidation(strategy), strategy.labels);
      return { threshold: best.threshold, saved: { type: 'bestF1', f1: best.f1 } };
    }
  }
}

export { bestF1Threshold, meanStd, quantile };
