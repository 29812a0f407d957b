/**
 * Clustering of codes and its scores against known classes: k-means
 * (k-means++ seeding, seeded restarts), clustering accuracy through an optimal
 * one-to-one matching of clusters to classes (the Hungarian algorithm), and
 * normalized mutual information. The deep-clustering literature (DEC, IDEC,
 * DEKM) reports exactly these two scores.
 */
import { Rng } from '../data/random.js';
import { type FeatureSet, classLabels, featureMatrix } from './features.js';

/** Options of {@link kMeans}. */
export interface KMeansOptions {
  /** Number of clusters. */
  k: number;
  /** Independent runs from different k-means++ seedings; the one with the lowest inertia is kept. Default 10. */
  restarts?: number;
  /** Lloyd iterations per run at most. Default 300. */
  maxIterations?: number;
  /**
   * A run stops when no assignment changes, or when the centroids moved by a
   * total squared distance of at most `tolerance` × the mean per-feature
   * variance of the data (scikit-learn's rule). Default 1e-4.
   */
  tolerance?: number;
  /** Seeds the k-means++ draws of every restart. Default 0. */
  seed?: number;
}

/** The best of {@link kMeans}'s runs. */
export interface KMeansResult {
  /** Cluster of each row, in [0, k). */
  assignments: Int32Array;
  /** k centroids of d values, row after row. */
  centroids: Float64Array;
  /** Σ over rows of the squared distance to their centroid. */
  inertia: number;
  /** Lloyd iterations of the kept run. */
  iterations: number;
  /** Which restart (0-based) was kept. */
  restart: number;
}

/**
 * k-means++ seeding in its greedy form (Arthur & Vassilvitskii 2007, as
 * scikit-learn does it): the first centre is a uniformly drawn row; each next
 * one is the best, by resulting potential Σ min-distance², of 2 + ⌊ln k⌋ rows
 * drawn with probability proportional to their squared distance to the
 * nearest centre chosen so far.
 */
function seedCentroids(x: Float32Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  const centroids = new Float64Array(k * d);
  const closest = new Float64Array(n);
  const candidateDist = new Float64Array(n);
  const bestDist = new Float64Array(n);
  const cumulative = new Float64Array(n);
  const dist2 = (i: number, cx: ArrayLike<number>, cOff: number) => {
    let s = 0;
    for (let c = 0; c < d; c++) {
      const diff = x[i * d + c]! - cx[cOff + c]!;
      s += diff * diff;
    }
    return s;
  };
  const first = rng.int(n);
  for (let c = 0; c < d; c++) centroids[c] = x[first * d + c]!;
  let potential = 0;
  for (let i = 0; i < n; i++) potential += (closest[i] = dist2(i, centroids, 0));
  const trials = 2 + Math.floor(Math.log(k));
  for (let j = 1; j < k; j++) {
    let acc = 0;
    for (let i = 0; i < n; i++) cumulative[i] = acc += closest[i]!;
    let best = -1;
    let bestPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      let candidate: number;
      if (potential > 0) {
        const r = rng.float() * potential;
        // First index whose cumulative sum exceeds r.
        let lo = 0;
        let hi = n - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cumulative[mid]! > r) hi = mid;
          else lo = mid + 1;
        }
        candidate = lo;
      } else {
        candidate = rng.int(n); // every row sits on a centre already
      }
      let p = 0;
      for (let i = 0; i < n; i++) {
        const dd = Math.min(closest[i]!, dist2(i, x, candidate * d));
        candidateDist[i] = dd;
        p += dd;
      }
      if (p < bestPotential) {
        bestPotential = p;
        best = candidate;
        bestDist.set(candidateDist);
      }
    }
    for (let c = 0; c < d; c++) centroids[j * d + c] = x[best * d + c]!;
    closest.set(bestDist);
    potential = bestPotential;
  }
  return centroids;
}

/** One Lloyd run from the given centroids (updated in place). */
function lloyd(x: Float32Array, n: number, d: number, k: number, centroids: Float64Array, maxIterations: number, shiftTolerance: number) {
  const assignments = new Int32Array(n).fill(-1);
  const pointDist = new Float64Array(n);
  const xNorm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[i * d + c]! * x[i * d + c]!;
    xNorm[i] = s;
  }
  const cNorm = new Float64Array(k);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  let iterations = 0;
  const assign = (): number => {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += centroids[j * d + c]! ** 2;
      cNorm[j] = s;
    }
    let changed = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestValue = Infinity;
      for (let j = 0; j < k; j++) {
        // ‖x − c‖² = ‖x‖² + ‖c‖² − 2x·c; ‖x‖² is the same for every centre.
        let dot = 0;
        for (let c = 0; c < d; c++) dot += x[i * d + c]! * centroids[j * d + c]!;
        const v = cNorm[j]! - 2 * dot;
        if (v < bestValue) {
          bestValue = v;
          best = j;
        }
      }
      pointDist[i] = Math.max(0, xNorm[i]! + bestValue);
      if (assignments[i] !== best) {
        assignments[i] = best;
        changed++;
      }
    }
    return changed;
  };
  assign();
  while (iterations < maxIterations) {
    iterations++;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const j = assignments[i]!;
      counts[j]!++;
      for (let c = 0; c < d; c++) sums[j * d + c]! += x[i * d + c]!;
    }
    let shift = 0;
    for (let j = 0; j < k; j++) {
      if (counts[j] === 0) {
        // An empty cluster takes over the row farthest from its centroid (which then stops being far).
        let far = 0;
        for (let i = 1; i < n; i++) if (pointDist[i]! > pointDist[far]!) far = i;
        pointDist[far] = 0;
        for (let c = 0; c < d; c++) {
          shift += (x[far * d + c]! - centroids[j * d + c]!) ** 2;
          centroids[j * d + c] = x[far * d + c]!;
        }
        continue;
      }
      for (let c = 0; c < d; c++) {
        const v = sums[j * d + c]! / counts[j]!;
        shift += (v - centroids[j * d + c]!) ** 2;
        centroids[j * d + c] = v;
      }
    }
    const changed = assign();
    if (changed === 0 || shift <= shiftTolerance) break;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += pointDist[i]!;
  return { assignments, inertia, iterations };
}

/**
 * k-means clustering of the rows of `data` (Lloyd's algorithm on Euclidean
 * distance) from `restarts` greedy k-means++ seedings drawn from one seeded
 * generator; returns the run with the lowest inertia. Deterministic for a
 * given seed. An empty cluster is re-seeded with the row farthest from its
 * centroid.
 */
export function kMeans(data: FeatureSet, options: KMeansOptions): KMeansResult {
  const { x, n, d } = featureMatrix(data, 'kMeans data');
  const k = options.k;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`kMeans: k must be a positive integer, got ${k}`);
  if (k > n) throw new Error(`kMeans: k = ${k} clusters but only ${n} rows`);
  const restarts = options.restarts ?? 10;
  if (!(Number.isInteger(restarts) && restarts >= 1)) throw new Error(`kMeans: restarts must be a positive integer, got ${restarts}`);
  const maxIterations = options.maxIterations ?? 300;
  if (!(Number.isInteger(maxIterations) && maxIterations >= 1)) throw new Error(`kMeans: maxIterations must be a positive integer, got ${maxIterations}`);
  const tolerance = options.tolerance ?? 1e-4;
  if (!(Number.isFinite(tolerance) && tolerance >= 0)) throw new Error(`kMeans: tolerance must be a number >= 0, got ${tolerance}`);
  // scikit-learn scales the tolerance by the data's mean per-feature variance.
  let meanVariance = 0;
  for (let c = 0; c < d; c++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i * d + c]!;
      s += v;
      s2 += v * v;
    }
    meanVariance += Math.max(0, s2 / n - (s / n) ** 2);
  }
  meanVariance /= d;
  const rng = new Rng(options.seed ?? 0);
  let best: KMeansResult | undefined;
  for (let r = 0; r < restarts; r++) {
    const centroids = seedCentroids(x, n, d, k, rng);
    const run = lloyd(x, n, d, k, centroids, maxIterations, tolerance * meanVariance);
    if (!best || run.inertia < best.inertia) best = { ...run, centroids, restart: r };
  }
  return best!;
}

// ----- Matching clusters to classes -----

/**
 * Minimum-cost assignment (the Hungarian algorithm, Kuhn–Munkres, in its
 * O(r²c) shortest-augmenting-path form with row and column potentials) for
 * an r×c cost matrix given as rows. Every row is matched to a distinct column
 * when r ≤ c, every column to a distinct row when r > c.
 *
 * @returns for each row, its column, or −1 for rows left unmatched (r > c).
 */
export function hungarian(cost: readonly (readonly number[])[]): Int32Array {
  const r = cost.length;
  if (r === 0) return new Int32Array(0);
  const c = cost[0]!.length;
  for (let i = 0; i < r; i++) {
    if (cost[i]!.length !== c) throw new Error(`hungarian: row ${i} has ${cost[i]!.length} entries, row 0 has ${c}`);
    for (let j = 0; j < c; j++) if (!Number.isFinite(cost[i]![j]!)) throw new Error(`hungarian: cost[${i}][${j}] is ${cost[i]![j]}; costs must be finite`);
  }
  if (c === 0) return new Int32Array(r).fill(-1);
  if (r > c) {
    // Match the columns instead, then read the matching the other way round.
    const transposed = Array.from({ length: c }, (_, j) => Array.from({ length: r }, (_, i) => cost[i]![j]!));
    const byColumn = hungarian(transposed);
    const out = new Int32Array(r).fill(-1);
    byColumn.forEach((i, j) => (out[i] = j));
    return out;
  }
  // 1-based arrays; column 0 is a virtual column holding the row being added.
  const u = new Float64Array(r + 1);
  const v = new Float64Array(c + 1);
  const rowOf = new Int32Array(c + 1); // rowOf[j]: the row matched to column j, 0 = none
  const previous = new Int32Array(c + 1); // the column before j on the alternating path
  const minReduced = new Float64Array(c + 1);
  const visited = new Uint8Array(c + 1);
  for (let i = 1; i <= r; i++) {
    rowOf[0] = i;
    let j0 = 0;
    minReduced.fill(Infinity);
    visited.fill(0);
    // Dijkstra-like growth over reduced costs cost − u − v ≥ 0 until a free column is reached.
    do {
      visited[j0] = 1;
      const i0 = rowOf[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= c; j++) {
        if (visited[j]) continue;
        const reduced = cost[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (reduced < minReduced[j]!) {
          minReduced[j] = reduced;
          previous[j] = j0;
        }
        if (minReduced[j]! < delta) {
          delta = minReduced[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= c; j++) {
        if (visited[j]) {
          u[rowOf[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minReduced[j]! -= delta;
        }
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    // Flip the matching along the path back to the virtual column.
    do {
      const j1 = previous[j0]!;
      rowOf[j0] = rowOf[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const out = new Int32Array(r).fill(-1);
  for (let j = 1; j <= c; j++) if (rowOf[j]! > 0) out[rowOf[j]! - 1] = j - 1;
  return out;
}

/** Counts of (cluster, class) pairs over compacted ids, and the ids' original values. */
function contingency(labels: Int32Array, clusters: Int32Array) {
  const index = (values: Int32Array) => {
    const ids = [...new Set(values)].sort((a, b) => a - b);
    const of = new Map(ids.map((id, i) => [id, i] as const));
    return { ids, of };
  };
  const cl = index(clusters);
  const lb = index(labels);
  const table = Array.from({ length: cl.ids.length }, () => new Array<number>(lb.ids.length).fill(0));
  for (let i = 0; i < labels.length; i++) table[cl.of.get(clusters[i]!)!]![lb.of.get(labels[i]!)!]!++;
  return { table, clusterIds: cl.ids, classIds: lb.ids };
}

function checkPair(labels: ArrayLike<number>, clusters: ArrayLike<number>, what: string): { labels: Int32Array; clusters: Int32Array } {
  if (labels.length !== clusters.length) throw new Error(`${what}: ${labels.length} labels but ${clusters.length} cluster assignments`);
  if (labels.length === 0) throw new Error(`${what}: no samples`);
  return { labels: classLabels(labels, labels.length, `${what} labels`), clusters: classLabels(clusters, clusters.length, `${what} clusters`) };
}

/** What {@link clusteringAccuracy} returns. */
export interface ClusteringAccuracy {
  /** Fraction of samples whose cluster is matched to their class. */
  accuracy: number;
  /** The matched class of each cluster id (clusters left unmatched are absent). */
  mapping: Map<number, number>;
}

/**
 * Clustering accuracy: max over one-to-one maps m from clusters to classes of
 * (1/n) Σ_i [m(cluster_i) = label_i], the best map found exactly by the
 * {@link hungarian} algorithm on the cluster × class contingency table. With
 * more clusters than classes the extra clusters count as wrong.
 */
export function clusteringAccuracy(labels: ArrayLike<number>, clusters: ArrayLike<number>): ClusteringAccuracy {
  const checked = checkPair(labels, clusters, 'clusteringAccuracy');
  const { table, clusterIds, classIds } = contingency(checked.labels, checked.clusters);
  let most = 0;
  for (const row of table) for (const v of row) most = Math.max(most, v);
  const match = hungarian(table.map((row) => row.map((v) => most - v)));
  let hits = 0;
  const mapping = new Map<number, number>();
  match.forEach((j, i) => {
    if (j < 0) return;
    hits += table[i]![j]!;
    mapping.set(clusterIds[i]!, classIds[j]!);
  });
  return { accuracy: hits / checked.labels.length, mapping };
}

/**
 * Normalized mutual information between classes U and clusters V:
 * NMI = I(U; V) / ((H(U) + H(V)) / 2), with I and H from the empirical
 * distribution of the n (class, cluster) pairs (natural logs; the ratio does
 * not depend on the base). The arithmetic-mean normalization is scikit-learn's
 * default. 1 for identical partitions (up to renaming), 0 for independent
 * ones; two single-cluster partitions count as identical (1).
 */
export function nmi(labels: ArrayLike<number>, clusters: ArrayLike<number>): number {
  const checked = checkPair(labels, clusters, 'nmi');
  const n = checked.labels.length;
  const { table } = contingency(checked.labels, checked.clusters);
  const rows = table.map((row) => row.reduce((a, b) => a + b, 0));
  const cols = table[0]!.map((_, j) => table.reduce((a, row) => a + row[j]!, 0));
  const entropy = (counts: number[]) => counts.reduce((h, c) => (c > 0 ? h - (c / n) * Math.log(c / n) : h), 0);
  const hClusters = entropy(rows);
  const hClasses = entropy(cols);
  if (hClusters + hClasses === 0) return 1;
  let mi = 0;
  table.forEach((row, i) => row.forEach((nij, j) => {
    if (nij > 0) mi += (nij / n) * Math.log((n * nij) / (rows[i]! * cols[j]!));
  }));
  // Rounding can push I a hair past the bound or below zero.
  return Math.min(1, Math.max(0, mi / ((hClusters + hClasses) / 2)));
}
