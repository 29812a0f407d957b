/**
 * Per-feature tail scores: how far out in its own column's training
 * distribution each value of a row lies, as −log of the smaller of its two
 * empirical tail probabilities. In the spirit of ECOD (Li et al. 2022), which
 * sums such −log tail probabilities over features; here each feature takes
 * its nearer tail, so a value is unusual at either end. Needs no model and no
 * distribution assumption, is unchanged by any monotone rescaling of a
 * column, and splits exactly into one part per feature, which is what the
 * detector's explanations use.
 */

/** The fitted state: each feature's training values, sorted. */
export interface FeatureTailsState {
  features: number;
  /** Training rows the columns came from. */
  rows: number;
  /** `features` sorted columns of `rows` values each, column after column. */
  sortedColumns: Float32Array;
}

/** Rows at or below / at or above `v` in a sorted column. */
function countAtOrBelow(col: Float32Array, from: number, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (col[from + mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function countBelow(col: Float32Array, from: number, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (col[from + mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Empirical tails of each feature of a table, fitted on its training rows.
 * A value's part is −log(min(P(X ≤ v), P(X ≥ v))) with P counted over the
 * training rows plus the value itself ((count + 1) / (n + 1)), so it is finite,
 * 0 < part ≤ log(n + 1), and a value beyond every training value gets the
 * largest part.
 */
export class FeatureTails {
  private constructor(private readonly state: FeatureTailsState) {}

  /** Sorts each of the `features` columns of `x` (n rows, row after row). */
  static fit(x: ArrayLike<number>, features: number): FeatureTails {
    const n = x.length / features;
    if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`FeatureTails.fit: ${x.length} values are not whole rows of ${features}`);
    const sortedColumns = new Float32Array(n * features);
    for (let j = 0; j < features; j++) {
      const col = sortedColumns.subarray(j * n, (j + 1) * n);
      for (let i = 0; i < n; i++) col[i] = x[i * features + j]!;
      col.sort();
    }
    return new FeatureTails({ features, rows: n, sortedColumns });
  }

  /** Rebuilds fitted tails (as saved), checking sizes and order. */
  static fromState(state: FeatureTailsState): FeatureTails {
    const { features, rows, sortedColumns } = state;
    if (!(Number.isInteger(features) && features >= 1 && Number.isInteger(rows) && rows >= 1)) throw new RangeError(`feature tails: expected positive feature and row counts, got ${features} and ${rows}`);
    if (sortedColumns.length !== features * rows) throw new RangeError(`feature tails: ${sortedColumns.length} values, expected ${features} columns of ${rows}`);
    for (let j = 0; j < features; j++) {
      for (let i = j * rows + 1; i < (j + 1) * rows; i++) {
        if (!(sortedColumns[i - 1]! <= sortedColumns[i]!)) throw new RangeError(`feature tails: column ${j} is not sorted (value ${i - j * rows})`);
      }
    }
    return new FeatureTails(state);
  }

  get features(): number {
    return this.state.features;
  }

  /** The fitted state (for saving). */
  toState(): FeatureTailsState {
    return this.state;
  }

  /** Each row's part per feature (m rows × features, row after row). */
  parts(x: ArrayLike<number>): Float64Array {
    const { features: d, rows: n, sortedColumns } = this.state;
    const m = x.length / d;
    if (!Number.isInteger(m)) throw new RangeError(`FeatureTails: ${x.length} values are not whole rows of ${d}`);
    const out = new Float64Array(m * d);
    const logN1 = Math.log(n + 1);
    for (let j = 0; j < d; j++) {
      const from = j * n;
      for (let i = 0; i < m; i++) {
        const v = x[i * d + j]!;
        const below = countAtOrBelow(sortedColumns, from, n, v);
        const above = n - countBelow(sortedColumns, from, n, v);
        out[i * d + j] = logN1 - Math.log(Math.min(below, above) + 1);
      }
    }
    return out;
  }

  /** Each row's score: the sum of its parts. */
  score(x: ArrayLike<number>): Float64Array {
    const d = this.state.features;
    const parts = this.parts(x);
    const out = new Float64Array(parts.length / d);
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += parts[i * d + j]!;
      out[i] = s;
    }
    return out;
  }
}
