/**
 * Order statistics and moments shared by the detector, the time-series
 * detector and the dashboard (pure: the dashboard bundle imports it too).
 */

/**
 * The q-quantile (q ∈ [0, 1]) of `values` with linear interpolation between
 * order statistics: numpy's `percentile(values, 100·q)` (method 'linear').
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new RangeError('quantile: no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const sorted = Float64Array.from(values).sort();
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Mean and population standard deviation, accumulated in float64. */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  if (values.length === 0) throw new RangeError('meanStd: no values');
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / values.length) };
}

/**
 * Mulberry32: a tiny seeded generator of floats in [0, 1). Used where a
 * stream of uniform numbers is all that is needed (UMAP's sampling, gradient
 * checks); {@link Rng} in data/random.ts is the general-purpose generator.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The index of the largest value of each row of k values (the first on ties): class predictions from scores, logits or probabilities. */
export function argmaxRows(values: ArrayLike<number>, k: number): Int32Array {
  const out = new Int32Array(values.length / k);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (values[i * k + j]! > values[i * k + best]!) best = j;
    out[i] = best;
  }
  return out;
}

/** Scales each row of `codes` to unit length (a zero row stays zero). */
export function unitRows(codes: ArrayLike<number>, dim: number): Float64Array {
  const out = Float64Array.from(codes);
  for (let i = 0; i < out.length; i += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += out[i + j]! ** 2;
    const norm = Math.sqrt(s);
    if (norm > 0) for (let j = 0; j < dim; j++) out[i + j] = out[i + j]! / norm;
  }
  return out;
}
