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
  // A typed-array reference is the same object from call to call (a detector's training codes), so its tree is kept.
  if (!excludeSelf && ref === reference) {
    const tree = treeFor(ref, dim);
    if (tree) return treeKnnMean(tree, queries, m, k);
  }
  const out = new Float64Array(m);
  // The k smallest squared distances so far, kept sorted by insertion.
  const best = new Float64Array(k);
  const q = new Float64Array(dim);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < dim; j++) q[j] = queries[i * dim + j]!;
    best.fill(Infinity);
    for (let r = 0; r < n; r++) {
      if (excludeSelf && Math.abs(r - i) < zone) continue;
      offer(q, ref, r * dim, best, k);
    }
    out[i] = meanRoot(best, k);
  }
  return out;
}

/**
 * The squared distance from `q` to the row at `off` of `rows`, kept in `best`
 * (the k smallest so far, ascending) if it belongs there. Summed over the
 * coordinates in order, so every caller gets the same value to the bit.
 */
export function offer(q: Float64Array, rows: ArrayLike<number>, off: number, best: Float64Array, k: number): void {
  let s = 0;
  for (let j = 0; j < q.length; j++) {
    const d = q[j]! - rows[off + j]!;
    s += d * d;
    // Most rows are far: stop summing once this one cannot enter the list.
    if (s >= best[k - 1]!) return;
  }
  let p = k - 1;
  while (p > 0 && best[p - 1]! > s) {
    best[p] = best[p - 1]!;
    p--;
  }
  best[p] = s;
}

/** The mean of the square roots of the k values in `best`: the mean distance. */
export function meanRoot(best: Float64Array, k: number): number {
  let sum = 0;
  for (let p = 0; p < k; p++) sum += Math.sqrt(best[p]!);
  return sum / k;
}

/**
 * A k-d tree over the reference rows, for the same reference queried again and
 * again (a saved detector's training codes, scored row by row by a server or
 * a stream worker): it visits a few dozen rows per query where the scan reads
 * all of them. The squared distances are summed over the coordinates in the
 * same order as the scan's, so the k values found, and the mean, are the same
 * to the bit.
 */
interface KdTree {
  dim: number;
  /** The reference rows in tree order, widened to float64. */
  points: Float64Array;
  /** Per node: first row, row count, split dimension (−1 for a leaf), split value, children. */
  start: Int32Array;
  count: Int32Array;
  axis: Int32Array;
  split: Float64Array;
  left: Int32Array;
  right: Int32Array;
}

/** Rows per leaf: below this a node is scanned, which costs less than descending further. */
const LEAF_ROWS = 16;
/**
 * Trees pay off only when the reference is large and the codes are few-dimensional: on uniform
 * random codes of 8 dimensions the tree already visits so many leaves that the plain scan (with
 * its early exit) is faster, and codes of real data are rarely that spread out.
 */
const TREE_MIN_ROWS = 256;
export const TREE_MAX_DIM = 6;

/** One tree per reference array (a detector keeps its training codes for its lifetime). */
const trees = new WeakMap<Float32Array | Float64Array, Map<number, KdTree>>();

function treeFor(ref: Float32Array | Float64Array, dim: number): KdTree | undefined {
  const n = ref.length / dim;
  if (n < TREE_MIN_ROWS || dim > TREE_MAX_DIM) return undefined;
  let byDim = trees.get(ref);
  if (!byDim) trees.set(ref, (byDim = new Map()));
  let tree = byDim.get(dim);
  if (!tree) byDim.set(dim, (tree = buildTree(ref, dim)));
  return tree;
}

function buildTree(ref: Float32Array | Float64Array, dim: number): KdTree {
  const n = ref.length / dim;
  const order = Array.from({ length: n }, (_, i) => i);
  const maxNodes = 2 * Math.ceil(n / (LEAF_ROWS / 2)) + 1;
  const t = {
    start: new Int32Array(maxNodes), count: new Int32Array(maxNodes), axis: new Int32Array(maxNodes),
    split: new Float64Array(maxNodes), left: new Int32Array(maxNodes), right: new Int32Array(maxNodes),
  };
  let nodes = 0;
  const build = (from: number, to: number): number => {
    const id = nodes++;
    t.start[id] = from;
    t.count[id] = to - from;
    t.axis[id] = -1;
    if (to - from <= LEAF_ROWS) return id;
    // Split at the median of the coordinate with the widest spread.
    let axis = 0;
    let widest = -1;
    for (let j = 0; j < dim; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = from; i < to; i++) {
        const v = ref[order[i]! * dim + j]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi - lo > widest) {
        widest = hi - lo;
        axis = j;
      }
    }
    if (!(widest > 0)) return id; // all rows equal here: one leaf
    const part = order.slice(from, to).sort((a, b) => ref[a * dim + axis]! - ref[b * dim + axis]!);
    for (let i = 0; i < part.length; i++) order[from + i] = part[i]!;
    const mid = from + ((to - from) >> 1);
    t.axis[id] = axis;
    t.split[id] = ref[order[mid]! * dim + axis]!;
    t.left[id] = build(from, mid);
    t.right[id] = build(mid, to);
    return id;
  };
  build(0, n);
  const points = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) points[i * dim + j] = ref[order[i]! * dim + j]!;
  return { dim, points, ...t };
}

function treeKnnMean(tree: KdTree, queries: ArrayLike<number>, m: number, k: number): Float64Array {
  const { dim, points, start, count, axis, split, left, right } = tree;
  const out = new Float64Array(m);
  const best = new Float64Array(k);
  const q = new Float64Array(dim);
  // Nodes still to visit, with a lower bound on their squared distance (the gap to the split planes crossed).
  const stack = new Int32Array(128);
  const bound = new Float64Array(128);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < dim; j++) q[j] = queries[i * dim + j]!;
    best.fill(Infinity);
    let top = 0;
    stack[top] = 0;
    bound[top++] = 0;
    while (top > 0) {
      const node = stack[--top]!;
      const lower = bound[top]!;
      if (lower >= best[k - 1]!) continue;
      const a = axis[node]!;
      if (a >= 0) {
        const gap = q[a]! - split[node]!;
        // The far side is at least gap² away (the plane just crossed; looser than the full box bound, still exact).
        stack[top] = gap < 0 ? right[node]! : left[node]!;
        bound[top++] = Math.max(lower, gap * gap);
        stack[top] = gap < 0 ? left[node]! : right[node]!;
        bound[top++] = lower;
        continue;
      }
      const end = start[node]! + count[node]!;
      for (let r = start[node]!; r < end; r++) offer(q, points, r * dim, best, k);
    }
    out[i] = meanRoot(best, k);
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
