/**
 * Exact k-NN means against many training codes of many dimensions, with
 * ONNX Runtime doing the bulk of the arithmetic: what a scoring server asks
 * for every micro-batch (`aekit serve` on the demo's detector: 12,000 codes
 * of 16 values, where the plain scan of knn.ts was 70 % of the scoring time
 * and a k-d tree no longer prunes).
 *
 * One float32 MatMul gives every query's dot products with every reference
 * row, hence approximate squared distances ‖q‖² + ‖r‖² − 2 q·r. Their error
 * is bounded (float32 rounding of the inputs and of a sum of `dim` products),
 * so every row that can be among the k nearest is known: the rows whose
 * approximate distance is within twice that bound of the k-th smallest. Only
 * those are measured exactly, by the scan's own float64 code in the scan's
 * order, so the means are the same to the bit as {@link knnMeanDistance}'s.
 */
import { Graph } from '../graph/graph.js';
import { tensor } from '../graph/types.js';
import { RuntimeSession } from '../onnx/runtime.js';
import { toOnnx } from '../onnx/serialize.js';
import { TREE_MAX_DIM, knnMeanDistance, meanRoot, offer } from './knn.js';

/** References below this many rows are scanned as before: the scan is fast enough and a session costs memory. */
export const INDEX_MIN_ROWS = 512;
/**
 * Query × reference rows of one call below which a reference without an index yet is scanned: making the
 * session takes milliseconds, more than scanning a few rows (`aekit detect <run> --samples 1`).
 */
export const INDEX_MIN_PAIRS = 1 << 16;

/**
 * Rows beyond k that the graph returns per query; a query with more rows inside the margin is scanned.
 * Only near-copies of a query's k-th neighbour fall inside it, and TopK over 12,000 rows costs more the
 * more rows it keeps (bench/experiments/knn-topk.ts: 16 rows cost a quarter less than 29).
 */
const SHORTLIST_EXTRA = 11;

interface KnnIndex {
  session: Promise<RuntimeSession>;
  dim: number;
  k: number;
  shortlist: number;
  /** ‖r‖² per reference row, float64. */
  squaredNorms: Float64Array;
  /** The largest ‖r‖. */
  maxNorm: number;
}

const indexes = new WeakMap<Float32Array | Float64Array, KnnIndex>();

function indexFor(reference: Float32Array | Float64Array, dim: number, k: number): KnnIndex {
  let index = indexes.get(reference);
  if (index && index.dim === dim && index.k === k) return index;
  const n = reference.length / dim;
  const refT = new Float32Array(dim * n);
  const squaredNorms = new Float64Array(n);
  let maxSquared = 0;
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const v = reference[r * dim + j]!;
      refT[j * n + r] = -2 * v; // −2r: see the graph below
      s += v * v;
    }
    squaredNorms[r] = s;
    if (s > maxSquared) maxSquared = s;
  }
  // In the graph: a_r = ‖r‖² − 2 q·r (‖q‖² is the same for every row) and the `shortlist` smallest, so a
  // micro-batch brings back a few dozen numbers per query instead of a row of n (fresh memory is slow to touch).
  // One Gemm with −2r as its matrix and ‖r‖² as its bias: scaling by −2 is exact, so it rounds as the product
  // and the difference would, without two more passes over the batch's n values per query.
  const g = new Graph();
  const q = g.input('q', ['N', dim]);
  const approx = g.gemm(q, g.constant(tensor('float32', [dim, n], refT), 'reference_t_times_minus_2'), g.constant(tensor('float32', [1, n], Float32Array.from(squaredNorms)), 'reference_sq'));
  const shortlist = Math.min(n, k + SHORTLIST_EXTRA);
  const top = g.topK(approx, shortlist, { axis: 1, largest: false });
  const bytes = toOnnx(g, { outputs: { values: top.values, indices: top.indices }, name: 'aekit_knn_shortlist' }).bytes;
  // One thread: the product is small, and a server's workers already use every core.
  const session = RuntimeSession.create(bytes, { threads: 1, cache: false });
  index = { session, dim, k, shortlist, squaredNorms, maxNorm: Math.sqrt(maxSquared) };
  indexes.set(reference, index);
  return index;
}

/**
 * Whether to call {@link knnMeanDistanceIndexed} for `queryRows` queries against this reference (else
 * knnMeanDistance): many rows of more values than its k-d tree prunes, and an index already made or a call
 * large enough to be worth making one.
 */
export function usesIndex(reference: ArrayLike<number>, dim: number, queryRows: number): reference is Float32Array | Float64Array {
  if (!(reference instanceof Float32Array || reference instanceof Float64Array) || dim <= TREE_MAX_DIM) return false;
  const rows = reference.length / dim;
  return rows >= INDEX_MIN_ROWS && (indexes.get(reference)?.dim === dim || rows * queryRows >= INDEX_MIN_PAIRS);
}

/**
 * {@link knnMeanDistance} of `queries` against `reference` (no self-exclusion),
 * the same numbers to the bit. The reference must be the same array from
 * call to call to profit (its index is kept per array, like the k-d tree).
 */
export async function knnMeanDistanceIndexed(reference: Float32Array | Float64Array, queries: ArrayLike<number>, dim: number, k: number): Promise<Float64Array> {
  const n = reference.length / dim;
  const m = queries.length / dim;
  if (!Number.isInteger(n) || !Number.isInteger(m)) throw new RangeError(`knnMeanDistance: ${reference.length} and ${queries.length} values are not rows of ${dim}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`knnMeanDistance: k must be a positive integer, got ${k}`);
  if (k > n) throw new RangeError(`knnMeanDistance: k = ${k} neighbours asked, but only ${n} reference codes`);
  const index = indexFor(reference, dim, k);
  // Non-finite training codes leave no error bound: scan, as knnMeanDistance does.
  if (!Number.isFinite(index.maxNorm)) return knnMeanDistance(reference, queries, dim, k);
  const session = await index.session;
  const q32 = Float32Array.from(queries);
  const result = await session.run({ q: { dtype: 'float32', shape: [m, dim], data: q32 } });
  const values = result.values!.data as Float32Array;
  const rows = result.indices!.data as BigInt64Array;
  const s = index.shortlist;
  // The error of a shortlisted a_r against the exact squared distance less ‖q‖²: the float32 product,
  // |q̃·r̃ − q·r| ≤ (dim + 2.01)·u·‖q‖‖r‖ (u = 2⁻²⁴) twice over; float32 rounding of ‖r‖² and of the
  // subtraction, below 2u(‖r‖² + 2‖q‖‖r‖); and float64 rounding in the scan's own sum and in ‖q‖²,
  // below (dim + 3)·3·2⁻⁵³·(‖q‖ + ‖r‖)². The margin is at least twice the sum, with ‖r‖ at its largest.
  const u = 2 ** -24;
  const out = new Float64Array(m);
  const best = new Float64Array(k);
  const q = new Float64Array(dim);
  for (let i = 0; i < m; i++) {
    let qq = 0;
    for (let j = 0; j < dim; j++) {
      q[j] = queries[i * dim + j]!;
      qq += q[j]! * q[j]!;
    }
    best.fill(Infinity);
    const norm = Math.sqrt(qq);
    const big = index.maxNorm;
    const margin = 4 * (dim + 3) * u * norm * big + 4 * u * (big * big + 2 * norm * big) + (dim + 3) * 2 ** -50 * (norm + big) ** 2;
    const limit = values[i * s + k - 1]! + 2 * margin;
    // Every row that may be among the k nearest is on the shortlist when its last entry lies beyond the
    // limit; otherwise (near-ties in number, or a code with NaN or ±∞) scan all rows, as knnMeanDistance does.
    if (Number.isFinite(limit) && (s === n || values[i * s + s - 1]! > limit)) {
      for (let j = 0; j < s && values[i * s + j]! <= limit; j++) offer(q, reference, Number(rows[i * s + j]!) * dim, best, k);
    } else {
      for (let r = 0; r < n; r++) offer(q, reference, r * dim, best, k);
    }
    out[i] = meanRoot(best, k);
  }
  return out;
}
