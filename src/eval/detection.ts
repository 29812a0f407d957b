/**
 * Ranking and detection metrics for anomaly scores (higher = more anomalous)
 * against binary labels (1 = anomaly, the positive class): ROC-AUC, average
 * precision, and the confusion matrix, precision, recall and F1 at a
 * threshold. Shared by the anomaly detector, the CLI and the benchmarks.
 *
 * Conventions follow scikit-learn (`roc_auc_score`, `average_precision_score`)
 * so numbers can be compared with Python peers; a sample is flagged when its
 * score is strictly above the threshold (PyOD's `predict`).
 */

/** Counts of a binary decision against the labels. */
export interface ConfusionMatrix {
  /** Anomalies flagged. */
  tp: number;
  /** Normal samples flagged. */
  fp: number;
  /** Normal samples passed. */
  tn: number;
  /** Anomalies passed. */
  fn: number;
}

/** What {@link evaluateDetector} reports. */
export interface DetectorEvaluation {
  /** Number of samples. */
  n: number;
  /** Number of anomalies (label 1). */
  anomalies: number;
  /** Area under the ROC curve in [0, 1]; tied scores count one half. */
  rocAuc: number;
  /** Average precision (the step-wise area under the precision-recall curve), in [0, 1]. */
  averagePrecision: number;
  /** The threshold the decision metrics below are computed at (flagged: score > threshold). */
  threshold: number;
  /** Where the threshold came from: given by the caller, or the best-F1 threshold on these labels. */
  thresholdSource: 'given' | 'bestF1';
  /** tp / (tp + fp); 0 when nothing is flagged. */
  precision: number;
  /** tp / (tp + fn). */
  recall: number;
  /** 2·precision·recall / (precision + recall); 0 when both are 0. */
  f1: number;
  confusion: ConfusionMatrix;
}

/**
 * Checks scores and labels and returns the labels as 0/1 bytes. Labels may be
 * numbers 0/1 or booleans; anything else is an error naming the first bad index.
 */
function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>, what: string): Uint8Array {
  if (scores === null || typeof scores !== 'object' || typeof scores.length !== 'number') throw new TypeError(`${what}: scores must be an array of numbers`);
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') throw new TypeError(`${what}: labels must be an array of 0/1 values`);
  if (scores.length !== labels.length) throw new RangeError(`${what}: ${scores.length} scores but ${labels.length} labels`);
  if (scores.length === 0) throw new RangeError(`${what}: no samples (scores and labels are empty)`);
  const y = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const s = scores[i];
    if (typeof s !== 'number' || !Number.isFinite(s)) throw new RangeError(`${what}: scores[${i}] is ${String(s)}, expected a finite number`);
    const l = labels[i];
    if (l === 1 || l === true) y[i] = 1;
    else if (l !== 0 && l !== false) throw new RangeError(`${what}: labels[${i}] is ${JSON.stringify(l)}, expected 0 (normal) or 1 (anomaly)`);
  }
  return y;
}

function countPositives(y: Uint8Array, what: string): { pos: number; neg: number } {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i]!;
  const neg = y.length - pos;
  if (pos === 0 || neg === 0) throw new RangeError(`${what}: needs both classes, got ${pos} anomalies and ${neg} normal samples`);
  return { pos, neg };
}

/** Sample indices by decreasing score; ties keep index order (the metrics below treat a tie as one group anyway). */
function byDecreasingScore(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/**
 * ROC-AUC: the probability that a random anomaly scores higher than a random
 * normal sample, ties counting one half (the Mann–Whitney U statistic divided
 * by n₊·n₋). Equals scikit-learn's `roc_auc_score`, whose trapezoids over tied
 * groups give the same one-half credit.
 * @param labels 1 (or true) for an anomaly, 0 (or false) for a normal sample; both must occur.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const y = checkInputs(scores, labels, 'rocAuc');
  const { pos, neg } = countPositives(y, 'rocAuc');
  const order = byDecreasingScore(scores);
  // Walk tie groups from the top: each anomaly beats the normal samples below its group and ties half of those inside it.
  let negAbove = 0;
  let u = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    let p = 0;
    let n = 0;
    const s = scores[order[i]!]!;
    for (; j < order.length && scores[order[j]!] === s; j++) {
      if (y[order[j]!]) p++;
      else n++;
    }
    u += p * (neg - negAbove - n) + 0.5 * p * n;
    negAbove += n;
    i = j;
  }
  return u / (pos * neg);
}

/**
 * Average precision: AP = Σₖ (Rₖ − Rₖ₋₁)·Pₖ over the distinct score
 * thresholds taken from the highest down, with Pₖ and Rₖ the precision and
 * recall when every sample scoring ≥ the k-th threshold is flagged (tied
 * samples enter together). This is scikit-learn's `average_precision_score`:
 * a step-wise area under the precision-recall curve without interpolation.
 * @param labels 1 (or true) for an anomaly; at least one anomaly must occur.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const y = checkInputs(scores, labels, 'averagePrecision');
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i]!;
  if (pos === 0) throw new RangeError('averagePrecision: needs at least one anomaly (label 1), got none');
  let before = 0;
  let ap = 0;
  forEachTieGroup(scores, y, (tp, flagged) => {
    ap += ((tp - before) / pos) * (tp / flagged);
    before = tp;
  });
  return ap;
}

/** Points of a ROC or precision-recall curve, one per distinct score, from the highest threshold down. */
export interface DetectionCurve {
  /** ROC: false-positive rate; PR: recall. */
  x: number[];
  /** ROC: true-positive rate; PR: precision. */
  y: number[];
  /** Each point flags the samples scoring ≥ this score (the first ROC point, nothing flagged, has +Infinity). */
  thresholds: number[];
}

/**
 * The ROC curve: (false-positive rate, true-positive rate) when every sample
 * scoring ≥ t is flagged, for each distinct score t from the highest down,
 * starting at (0, 0). Tied samples enter together, so the straight segments
 * between points are the ones whose area {@link rocAuc} counts.
 * @param labels 1 (or true) for an anomaly; both classes must occur.
 */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): DetectionCurve {
  const y = checkInputs(scores, labels, 'rocCurve');
  const { pos, neg } = countPositives(y, 'rocCurve');
  const curve: DetectionCurve = { x: [0], y: [0], thresholds: [Infinity] };
  forEachTieGroup(scores, y, (tp, flagged, s) => {
    curve.x.push((flagged - tp) / neg);
    curve.y.push(tp / pos);
    curve.thresholds.push(s);
  });
  return curve;
}

/**
 * The precision-recall curve: (recall, precision) when every sample scoring
 * ≥ t is flagged, for each distinct score t from the highest down. The
 * step-wise area under it is {@link averagePrecision}.
 * @param labels 1 (or true) for an anomaly; at least one anomaly must occur.
 */
export function precisionRecallCurve(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): DetectionCurve {
  const y = checkInputs(scores, labels, 'precisionRecallCurve');
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i]!;
  if (pos === 0) throw new RangeError('precisionRecallCurve: needs at least one anomaly (label 1), got none');
  const curve: DetectionCurve = { x: [], y: [], thresholds: [] };
  forEachTieGroup(scores, y, (tp, flagged, s) => {
    curve.x.push(tp / pos);
    curve.y.push(tp / flagged);
    curve.thresholds.push(s);
  });
  return curve;
}

/** Calls `visit(tp, flagged, score)` after each group of tied scores, from the highest score down. */
function forEachTieGroup(scores: ArrayLike<number>, y: Uint8Array, visit: (tp: number, flagged: number, score: number) => void): void {
  const order = byDecreasingScore(scores);
  let tp = 0;
  let flagged = 0;
  for (let i = 0; i < order.length;) {
    const s = scores[order[i]!]!;
    for (; i < order.length && scores[order[i]!] === s; i++) {
      tp += y[order[i]!]!;
      flagged++;
    }
    visit(tp, flagged, s);
  }
}

/** Confusion matrix of `score > threshold` against the labels. */
export function confusionAt(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>, threshold: number): ConfusionMatrix {
  const y = checkInputs(scores, labels, 'confusionAt');
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new RangeError(`confusionAt: threshold must be a number, got ${String(threshold)}`);
  const c: ConfusionMatrix = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < y.length; i++) {
    const flagged = scores[i]! > threshold;
    if (y[i]) flagged ? c.tp++ : c.fn++;
    else flagged ? c.fp++ : c.tn++;
  }
  return c;
}

function rates(c: ConfusionMatrix): { precision: number; recall: number; f1: number } {
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/**
 * The threshold with the highest F1 on labelled scores. Candidates lie
 * halfway between consecutive distinct scores (so `score > threshold` flags
 * exactly the samples above the gap, and a new sample falling inside the gap
 * is judged by the nearer side), plus one below the lowest score (flag all).
 * Ties in F1 go to the higher threshold (fewer flags).
 * @returns the threshold and the F1 it reaches on these labels.
 */
export function bestF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): { threshold: number; f1: number } {
  const y = checkInputs(scores, labels, 'bestF1Threshold');
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i]!;
  if (pos === 0) throw new RangeError('bestF1Threshold: needs at least one anomaly (label 1), got none');
  const order = byDecreasingScore(scores);
  let tp = 0;
  let flagged = 0;
  let best = { threshold: Infinity, f1: -1 };
  for (let i = 0; i < order.length;) {
    const s = scores[order[i]!]!;
    for (; i < order.length && scores[order[i]!] === s; i++) {
      tp += y[order[i]!]!;
      flagged++;
    }
    const f1 = (2 * tp) / (flagged + pos);
    if (f1 > best.f1) {
      const lower = i < order.length ? scores[order[i]!]! : s - Math.max(1, Math.abs(s));
      const mid = s / 2 + lower / 2;
      // Between two adjacent floats the midpoint rounds onto one of them; the lower one keeps the flagged set right.
      best = { threshold: mid > lower && mid < s ? mid : lower, f1 };
    }
  }
  return best;
}

/**
 * Evaluates anomaly scores against labels (1 = anomaly): ROC-AUC, average
 * precision, and precision, recall, F1 and the confusion matrix at a
 * threshold (flagged: score > threshold). Without a threshold, the decision
 * metrics are reported at the best-F1 threshold for these labels, an
 * optimistic figure (`thresholdSource: 'bestF1'` says so).
 * @throws {RangeError} for empty input, mismatched lengths, non-finite
 *   scores, labels other than 0/1, or a set with only one class.
 */
export function evaluateDetector(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>, threshold?: number): DetectorEvaluation {
  const y = checkInputs(scores, labels, 'evaluateDetector');
  const { pos } = countPositives(y, 'evaluateDetector');
  if (threshold !== undefined && (typeof threshold !== 'number' || Number.isNaN(threshold))) throw new RangeError(`evaluateDetector: threshold must be a number, got ${String(threshold)}`);
  const t = threshold ?? bestF1Threshold(scores, y).threshold;
  const confusion = confusionAt(scores, y, t);
  return {
    n: y.length,
    anomalies: pos,
    rocAuc: rocAuc(scores, y),
    averagePrecision: averagePrecision(scores, y),
    threshold: t,
    thresholdSource: threshold === undefined ? 'bestF1' : 'given',
    ...rates(confusion),
    confusion,
  };
}
