/**
 * One call that judges codes as features and as clusters: the numbers the
 * representation-learning and deep-clustering papers report.
 */
import { type KMeansResult, clusteringAccuracy, kMeans, nmi } from './clustering.js';
import { type FeatureSet, type LinearProbeOptions, classLabels, featureMatrix, knnAccuracy, linearProbe } from './features.js';

/** Options of {@link evaluateCodes}. */
export interface EvaluateCodesOptions {
  /** Neighbours of the k-NN classifier. Default 5. */
  k?: number;
  /** Linear probe options, or false to skip the probe. */
  probe?: LinearProbeOptions | false;
  /**
   * k-means options, or false to skip clustering. `clusters` defaults to the
   * number of distinct classes; `on` picks the rows clustered: 'all' (train and
   * test together, the clustering papers' protocol on MNIST's 70,000 images,
   * default), 'train' or 'test'.
   */
  clustering?: { clusters?: number; restarts?: number; seed?: number; maxIterations?: number; on?: 'all' | 'train' | 'test' } | false;
}

/** What {@link evaluateCodes} returns; fractions in [0, 1]. */
export interface CodeEvaluation {
  /** Code size d. */
  dimensions: number;
  /** k-NN accuracy of the test codes with the training codes as the reference. */
  knn: { k: number; accuracy: number };
  /** Linear probe accuracies (absent when skipped). */
  probe?: { trainAccuracy: number; testAccuracy: number };
  /** k-means scores against the labels (absent when skipped). */
  clustering?: { on: 'all' | 'train' | 'test'; clusters: number; accuracy: number; nmi: number; inertia: number; result: KMeansResult };
}

function concat(a: FeatureSet, b: FeatureSet, d: number): FeatureSet {
  const x = new Float32Array(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  const la = a.labels!;
  const lb = b.labels!;
  const labels = new Int32Array(la.length + lb.length);
  for (let i = 0; i < la.length; i++) labels[i] = la[i]!;
  for (let i = 0; i < lb.length; i++) labels[la.length + i] = lb[i]!;
  return { x, shape: [labels.length, d], labels };
}

/**
 * Evaluates codes (or any features) with labels: k-NN accuracy (test against
 * train), a linear probe trained on the training codes, and k-means on the
 * chosen rows scored by clustering accuracy (Hungarian matching) and NMI.
 * Both sets need `labels`, one integer class per row.
 */
export async function evaluateCodes(train: FeatureSet, test: FeatureSet, options: EvaluateCodesOptions = {}): Promise<CodeEvaluation> {
  const tr = featureMatrix(train, 'train');
  const te = featureMatrix(test, 'test');
  if (tr.d !== te.d) throw new Error(`evaluateCodes: train codes have ${tr.d} values each but test codes ${te.d}`);
  const trLabels = classLabels(train.labels, tr.n, 'train');
  const teLabels = classLabels(test.labels, te.n, 'test');
  const k = options.k ?? 5;
  const out: CodeEvaluation = { dimensions: tr.d, knn: { k, accuracy: knnAccuracy({ ...train, labels: trLabels }, { ...test, labels: teLabels }, { k }) } };
  if (options.probe !== false) {
    const p = await linearProbe({ ...train, labels: trLabels }, { ...test, labels: teLabels }, options.probe ?? {});
    out.probe = { trainAccuracy: p.trainAccuracy, testAccuracy: p.testAccuracy };
  }
  if (options.clustering !== false) {
    const c = options.clustering ?? {};
    const on = c.on ?? 'all';
    if (!['all', 'train', 'test'].includes(on)) throw new Error(`evaluateCodes: clustering.on must be 'all', 'train' or 'test', got ${JSON.stringify(on)}`);
    const rows = on === 'all' ? concat({ ...train, labels: trLabels }, { ...test, labels: teLabels }, tr.d)
      : on === 'train' ? { x: tr.x, shape: [tr.n, tr.d], labels: trLabels } : { x: te.x, shape: [te.n, te.d], labels: teLabels };
    const labels = rows.labels as Int32Array;
    const clusters = c.clusters ?? new Set(labels).size;
    const result = kMeans(rows, { k: clusters, restarts: c.restarts, seed: c.seed, maxIterations: c.maxIterations });
    out.clustering = { on, clusters, accuracy: clusteringAccuracy(labels, result.assignments).accuracy, nmi: nmi(labels, result.assignments), inertia: result.inertia, result };
  }
  return out;
}
