/**
 * Flagged ranges of a per-step score: runs of steps above a threshold. Pure
 * (no model, no Node), so the dashboard's page draws the same ranges as the
 * detector when its threshold slider moves.
 */

/** A run of flagged steps: [start, end) with the highest score in it and where it is. */
export interface FlaggedRange {
  start: number;
  /** One past the last flagged step. */
  end: number;
  peak: number;
  maxScore: number;
}

/**
 * Runs of consecutive steps scoring above the threshold. Runs separated by
 * at most `mergeGap` unflagged steps are joined; runs shorter than
 * `minLength` steps are dropped.
 */
export function flaggedRanges(scores: ArrayLike<number>, threshold: number, options: { minLength?: number; mergeGap?: number } = {}): FlaggedRange[] {
  const minLength = options.minLength ?? 1;
  const mergeGap = options.mergeGap ?? 0;
  if (!(Number.isInteger(minLength) && minLength >= 1)) throw new RangeError(`flaggedRanges: minLength must be a positive integer, got ${JSON.stringify(options.minLength)}`);
  if (!(Number.isInteger(mergeGap) && mergeGap >= 0)) throw new RangeError(`flaggedRanges: mergeGap must be a non-negative integer, got ${JSON.stringify(options.mergeGap)}`);
  const runs: FlaggedRange[] = [];
  for (let t = 0; t < scores.length; t++) {
    if (!(scores[t]! > threshold)) continue;
    const last = runs[runs.length - 1];
    if (last && t - last.end <= mergeGap) {
      last.end = t + 1;
    } else {
      runs.push({ start: t, end: t + 1, peak: t, maxScore: scores[t]! });
      continue;
    }
    if (scores[t]! > last.maxScore) {
      last.maxScore = scores[t]!;
      last.peak = t;
    }
  }
  return runs.filter((r) => r.end - r.start >= minLength);
}
