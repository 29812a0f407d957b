/**
 * Point-wise metrics of the time-series benchmark: per series ROC-AUC and
 * PR-AUC (average precision, scikit-learn's `average_precision_score`) of
 * step scores against step labels, without point adjustment; then means over
 * the series that hold both classes.
 */
import { averagePrecision, rocAuc } from '../../src/eval/detection.js';

/** ROC-AUC and PR-AUC in %. */
export interface AucPair {
  rocAuc: number;
  prAuc: number;
}

/** A series' metrics on every step and on the steps after the training (probationary) part. */
export interface SeriesMetrics extends AucPair {
  /** The same on steps ≥ trainSteps only (null when those lack a class). */
  afterProbation: AucPair | null;
}

function bothClasses(labels: ArrayLike<number>): boolean {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i]!;
  return pos > 0 && pos < labels.length;
}

/** ROC-AUC and PR-AUC (%) of scores against labels, or null when the labels hold one class only (both are undefined then). */
export function aucPair(scores: ArrayLike<number>, labels: ArrayLike<number>): AucPair | null {
  if (!bothClasses(labels)) return null;
  return { rocAuc: 100 * rocAuc(scores, labels), prAuc: 100 * averagePrecision(scores, labels) };
}

/** Metrics of one series: on every step, and on the steps from `trainSteps` on. Null for a series with one class. */
export function seriesMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>, trainSteps: number): SeriesMetrics | null {
  if (scores.length !== labels.length) throw new RangeError(`seriesMetrics: ${scores.length} scores for ${labels.length} labels`);
  const all = aucPair(scores, labels);
  if (!all) return null;
  const tail = (a: ArrayLike<number>) => Array.prototype.slice.call(a, trainSteps) as number[];
  return { ...all, afterProbation: aucPair(tail(scores), tail(labels)) };
}

/** Means of ROC-AUC and PR-AUC over the given pairs (NaN for none). */
export function meanPair(pairs: readonly AucPair[]): AucPair & { n: number } {
  const n = pairs.length;
  const sum = pairs.reduce((a, p) => ({ rocAuc: a.rocAuc + p.rocAuc, prAuc: a.prAuc + p.prAuc }), { rocAuc: 0, prAuc: 0 });
  return { rocAuc: n ? sum.rocAuc / n : NaN, prAuc: n ? sum.prAuc / n : NaN, n };
}
