/**
 * Latent-space scores: distances from a sample's code to the codes of the
 * training data. Plain loops in float64: for the sizes a detector keeps
 * (thousands of codes of tens of values) a brute-force scan takes seconds and
 * gives the same numbers on every run and machine, which an approximate index
 * would not.
 */

/**
 * Mean Euclidean distance from each query row to its k nearest reference rows
 * (PyOD's KNN detector with method 'mean'). With `excludeSelf`, query i is the
 * same sample as reference i and that pair is skipped: the leave-one-out score
 * of the training data, which would otherwise always find itself at distance 0.
 * `exclusionZone` z (with `excludeSelf`) skips every reference row r with
 * |r − i| < z: for overlapping windows of a series, which are near copies of
 * each other, a window's neighbours are then other stretches of the series
 * (the exclusion zone of matrix-profile methods). Default 1, the row itself.
 * @param reference n·dim values, row after row.
 * @param queries m·dim values.
 */
export function knnMeanDistance(reference: ArrayLike<number>, queries: ArrayLike<number>, dim: number, k: number, options: { excludeSelf?: boolean; exclusionZone?: number } = {}): Float64Array {
  const n = reference.length / dim;
  const m = queries.length / dim;
  const excludeSelf = options.excludeSelf ?? false;
  const zone = options.exclusionZone ?? 1;
  if (!Number.isInteger(n) || !Number.isInteger(m)) throw new RangeError(`knnMeanDistance: ${reference.length} and ${queries.length} values are not rows of ${dim}`);
  if (excludeSelf && n !== m) throw new RangeError(`knnMeanDistance: excludeSelf needs the queries to be the reference rows (${m} vs ${n})`);
  if (!(Number.isInteger(zone) && zone >= 1)) throw new RangeError(`knnMeanDistance: exclusionZone must be a positive integer, got ${JSON.stringify(options.exclusionZone)}`);
  if (zone > 1 && !excludeSelf) throw new RangeError('knnMeanDistance: exclusionZone needs excludeSelf (the queries being the reference rows)');
  // Every row keeps at least n − (2z − 1) candidates (a row in the middle loses the most).
  const available = excludeSelf ? n - Math.min(n, 2 * zone - 1) : n;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`knnMeanDistance: k must be a positive integer, got ${k}`);
  if (k > available) throw new RangeError(`knnMeanDistance: k = ${k} neighbours asked, but only ${available} reference codes${!excludeSelf ? '' : zone > 1 ? ` outside an exclusion zone of ${zone} rows` : ' besides the sample itself'}`);
  // Typed arrays are read in place (a float32 value widens to the same float64 a copy would hold); a copy per
  // call cost as much as the scan itself for one query row, which is what a scoring server sends.
  const ref = reference instanceof Float32Array || reference instanceof Float64Array ? reference : Float64Array.from(reference);
  const out = new Float64Array(m);
  // The k smallest squared distances so far, kept sorted by insertion.
  const best = new Float64Array(k);
  const q = new Float64Array(dim);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < dim; j++) q[j] = queries[i * dim + j]!;
    best.fill(Infinity);
    for (let r = 0; r < n; r++) {
      if (excludeSelf && Math.abs(r - i) < zone) continue;
      let s = 0;
      const off = r * dim;
      for (let j = 0; j < dim; j++) {
        const d = q[j]! - ref[off + j]!;
        s += d * d;
        // Most rows are far: stop summing once this one cannot enter the list.
        if (s >= best[k - 1]!) break;
      }
      if (s >= best[k - 1]!) continue;
      let p = k - 1;
      while (p > 0 && best[p - 1]! > s) {
        best[p] = best[p - 1]!;
        p--;
      }
      best[p] = s;
    }
    let sum = 0;
    for (let p = 0; p < k; p++) sum += Math.sqrt(best[p]!);
    out[i] = sum / k;
  }
  return out;
}

/** Column means of n rows of `dim` values (the centre c of Deep SVDD, here of the training codes). */
export function rowMean(rows: ArrayLike<number>, dim: number): Float64Array {
  const n = rows.length / dim;
  const c = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) c[j] += rows[i * dim + j]!;
  for (let j = 0; j < dim; j++) c[j] /= n;
  return c;
}

/** Squared Euclidean distance of each row to `center`. */
export function centerDistance(rows: ArrayLike<number>, center: ArrayLike<number>): Float64Array {
  const dim = center.length;
  const n = rows.length / dim;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += (rows[i * dim + j]! - center[j]!) ** 2;
    out[i] = s;
  }
  return out;
}
