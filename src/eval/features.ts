/**
 * Codes as features: how well a classifier that sees only the codes does.
 * k-nearest-neighbour accuracy (no training at all) and a linear probe
 * (multinomial logistic regression trained on the codes with aekit's own
 * engine), the two standard ways to judge a representation.
 */
import { type Value } from '../graph/graph.js';
import { Dense } from '../layers/dense.js';
import { type GraphBuildContext } from '../layers/core.js';
import { argmaxRows, unitRows } from './stats.js';
import { classifierOutputs, softmaxCrossEntropy } from '../losses/classification.js';
import { Adam } from '../optim/optimizers.js';
import { type ModelPart, type TrainableModel } from '../train/model.js';
import { Trainer } from '../train/trainer.js';

/**
 * Samples as rows of features: `x` holds n rows of d = product of
 * `shape.slice(1)` values each (a `Dataset`, or codes from `embed`), with one
 * integer class per row in `labels` where the caller has them.
 */
export interface FeatureSet {
  x: Float32Array;
  /** [n, ...]: everything after the first axis is flattened into one feature vector. */
  shape: readonly number[];
  labels?: ArrayLike<number>;
}

/** A checked feature matrix: n rows of d values. */
export interface FeatureMatrix {
  x: Float32Array;
  n: number;
  d: number;
}

/**
 * Checks a feature set and returns it as an n×d matrix; `what` names it in
 * errors ("train", "test"...). Values must be finite.
 */
export function featureMatrix(set: FeatureSet, what: string): FeatureMatrix {
  if (set === null || typeof set !== 'object') throw new TypeError(`${what}: expected { x: Float32Array, shape: [n, d] }, got ${set === null ? 'null' : typeof set}`);
  if (!(set.x instanceof Float32Array)) throw new TypeError(`${what}.x: expected a Float32Array of n rows stored one after the other, got ${Array.isArray(set.x) ? 'a plain Array' : typeof set.x}`);
  const shape = set.shape;
  if (!Array.isArray(shape) || shape.length < 2 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new Error(`${what}.shape: expected [n, d] (or [n, ...]) of positive integers, got ${JSON.stringify(shape)}`);
  }
  const n = shape[0]!;
  const d = shape.slice(1).reduce((a: number, b: number) => a * b, 1);
  if (set.x.length !== n * d) throw new Error(`${what}: shape [${shape}] needs ${n * d} values, x has ${set.x.length}`);
  for (let i = 0; i < set.x.length; i++) {
    if (!Number.isFinite(set.x[i]!)) throw new Error(`${what}: row ${Math.floor(i / d)} holds ${set.x[i]} at feature ${i % d}; features must be finite`);
  }
  return { x: set.x, n, d };
}

/** Checks class labels (integers ≥ 0, one per row) and returns them as an Int32Array. */
export function classLabels(labels: ArrayLike<number> | undefined, n: number, what: string): Int32Array {
  if (labels === undefined || labels === null) throw new Error(`${what}: labels are needed (one integer class per row)`);
  if (labels.length !== n) throw new Error(`${what}: ${labels.length} labels for ${n} rows`);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = labels[i]!;
    if (!(Number.isInteger(c) && c >= 0 && c < 2 ** 31)) throw new Error(`${what}: label ${i} is ${c}; expected an integer class >= 0`);
    out[i] = c;
  }
  return out;
}

/** Options of {@link knnClassify} and {@link knnAccuracy}. */
export interface KnnOptions {
  /** Number of neighbours. Default 5. */
  k?: number;
  /**
   * 'euclidean' (default), or 'cosine': rows scaled to unit length first, so
   * neighbours are ranked by cosine similarity, the k-NN evaluation of
   * self-supervised features (Wu et al. 2018, Caron et al. 2021). A zero row
   * stays zero.
   */
  metric?: 'euclidean' | 'cosine';
}

function unitMatrix(m: FeatureMatrix): FeatureMatrix {
  return { ...m, x: Float32Array.from(unitRows(m.x, m.d)) };
}

function squaredNorms(m: FeatureMatrix): Float64Array {
  const out = new Float64Array(m.n);
  for (let i = 0; i < m.n; i++) {
    let s = 0;
    for (let c = i * m.d, end = c + m.d; c < end; c++) s += m.x[c]! * m.x[c]!;
    out[i] = s;
  }
  return out;
}

const QUERY_BLOCK = 256;
const REFERENCE_BLOCK = 1024;

/**
 * Indices of the k nearest reference rows of each query row (Euclidean),
 * nearest first; `k·nq` entries. Exact brute force: squared distances
 * ‖q‖² + ‖r‖² − 2 q·r from precomputed reference norms (float64), where ‖q‖²
 * is left out because it does not change a query's ranking. Blocked for the
 * cache (256 queries against 1024 reference rows at a time) and for
 * registers (four queries share each load of a reference row, which makes
 * the dot products about three times faster than one query at a time).
 * Among equal distances the lower reference index comes first.
 */
export function nearestNeighbors(reference: FeatureMatrix, query: FeatureMatrix, k: number): Int32Array {
  if (reference.d !== query.d) throw new Error(`nearestNeighbors: reference rows have ${reference.d} features, queries ${query.d}`);
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`k must be a positive integer, got ${k}`);
  if (k > reference.n) throw new Error(`k = ${k} is more than the ${reference.n} reference rows`);
  const { d } = query;
  const rNorm = squaredNorms(reference);
  const bestIndex = new Int32Array(query.n * k);
  const bestDist = new Float64Array(query.n * k).fill(Infinity);
  const worst = new Float64Array(query.n).fill(Infinity);
  const rx = reference.x;
  const qx = query.x;
  const insert = (q: number, dist: number, r: number) => {
    // Strict comparisons keep an earlier (lower-index) row ahead of a later one at the same distance.
    const base = q * k;
    let pos = k - 1;
    while (pos > 0 && bestDist[base + pos - 1]! > dist) {
      bestDist[base + pos] = bestDist[base + pos - 1]!;
      bestIndex[base + pos] = bestIndex[base + pos - 1]!;
      pos--;
    }
    bestDist[base + pos] = dist;
    bestIndex[base + pos] = r;
    worst[q] = bestDist[base + k - 1]!;
  };
  for (let qb = 0; qb < query.n; qb += QUERY_BLOCK) {
    const qe = Math.min(qb + QUERY_BLOCK, query.n);
    for (let rb = 0; rb < reference.n; rb += REFERENCE_BLOCK) {
      const re = Math.min(rb + REFERENCE_BLOCK, reference.n);
      for (let q0 = qb; q0 < qe; q0 += 4) {
        // A short last group repeats its last query; the repeats are not recorded.
        const last = Math.min(q0 + 4, qe) - 1;
        const q1 = Math.min(q0 + 1, last);
        const q2 = Math.min(q0 + 2, last);
        const q3 = Math.min(q0 + 3, last);
        const o0 = q0 * d;
        const o1 = q1 * d;
        const o2 = q2 * d;
        const o3 = q3 * d;
        let w0 = worst[q0]!;
        let w1 = worst[q1]!;
        let w2 = worst[q2]!;
        let w3 = worst[q3]!;
        for (let r = rb; r < re; r++) {
          const ro = r * d;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let c = 0; c < d; c++) {
            const v = rx[ro + c]!;
            s0 += v * qx[o0 + c]!;
            s1 += v * qx[o1 + c]!;
            s2 += v * qx[o2 + c]!;
            s3 += v * qx[o3 + c]!;
          }
          const rn = rNorm[r]!;
          const d0 = rn - 2 * s0;
          const d1 = rn - 2 * s1;
          const d2 = rn - 2 * s2;
          const d3 = rn - 2 * s3;
          if (d0 < w0) {
            insert(q0, d0, r);
            w0 = worst[q0]!;
          }
          if (d1 < w1 && q1 > q0) {
            insert(q1, d1, r);
            w1 = worst[q1]!;
          }
          if (d2 < w2 && q2 > q1) {
            insert(q2, d2, r);
            w2 = worst[q2]!;
          }
          if (d3 < w3 && q3 > q2) {
            insert(q3, d3, r);
            w3 = worst[q3]!;
          }
        }
      }
    }
  }
  return bestIndex;
}

/**
 * k-nearest-neighbour classification: each query row gets the majority class
 * among its k nearest reference rows (Euclidean distance, or cosine with
 * `metric: 'cosine'`). A tie between
 * classes goes to the one whose nearest member among the k is closest.
 *
 * @param reference rows with `labels` (e.g. the training codes).
 * @param query rows to classify (e.g. the test codes).
 */
export function knnClassify(reference: FeatureSet, query: FeatureSet, options: KnnOptions = {}): Int32Array {
  const k = options.k ?? 5;
  const metric = options.metric ?? 'euclidean';
  if (metric !== 'euclidean' && metric !== 'cosine') throw new Error(`knn: options.metric must be 'euclidean' or 'cosine', got ${JSON.stringify(metric)}`);
  const ref = featureMatrix(reference, 'reference');
  const labels = classLabels(reference.labels, ref.n, 'reference');
  const qry = featureMatrix(query, 'query');
  if (ref.d !== qry.d) throw new Error(`knn: reference rows have ${ref.d} features but query rows ${qry.d}`);
  const neighbors = metric === 'cosine' ? nearestNeighbors(unitMatrix(ref), unitMatrix(qry), k) : nearestNeighbors(ref, qry, k);
  const out = new Int32Array(qry.n);
  const votes = new Map<number, number>();
  for (let q = 0; q < qry.n; q++) {
    votes.clear();
    let bestVotes = 0;
    for (let j = 0; j < k; j++) {
      const c = labels[neighbors[q * k + j]!]!;
      const v = (votes.get(c) ?? 0) + 1;
      votes.set(c, v);
      if (v > bestVotes) bestVotes = v;
    }
    // Neighbours come nearest first: the first class met with the top count has the nearest member among the tied.
    let j = 0;
    while (votes.get(labels[neighbors[q * k + j]!]!) !== bestVotes) j++;
    out[q] = labels[neighbors[q * k + j]!]!;
  }
  return out;
}

/** Fraction of predictions equal to the labels. */
export function classificationAccuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (predicted.length !== labels.length) throw new Error(`classificationAccuracy: ${predicted.length} predictions for ${labels.length} labels`);
  if (labels.length === 0) throw new Error('accuracy: no samples');
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hits++;
  return hits / labels.length;
}

/**
 * k-NN accuracy (default k = 5) of `query` (with labels) against `reference`
 * (with labels): the fraction of query rows whose {@link knnClassify} class
 * is their label. The protocol of the feature literature: test codes
 * classified with the training codes as the reference.
 */
export function knnAccuracy(reference: FeatureSet, query: FeatureSet, options: KnnOptions = {}): number {
  const predicted = knnClassify(reference, query, options);
  return classificationAccuracy(predicted, classLabels(query.labels, predicted.length, 'query'));
}

// ----- Linear probe -----

/**
 * Multinomial logistic regression as an aekit model: one Dense layer of K
 * units (the logits z = xW + b) trained with the softmax cross-entropy
 * ℓ_n = logsumexp(z_n) − z_n,y_n, averaged over the batch (ONNX LogSoftmax,
 * stable), the same objective as `ImageClassifier`. Inference part `model`
 * returns `probabilities` and `logits`.
 */
export class LinearProbe implements TrainableModel {
  readonly inputShape: number[];
  readonly targetShape: number[];
  readonly layer: Dense;

  constructor(readonly features: number, readonly numClasses: number) {
    if (!(Number.isInteger(features) && features >= 1)) throw new Error(`LinearProbe: features must be a positive integer, got ${features}`);
    if (!(Number.isInteger(numClasses) && numClasses >= 2)) throw new Error(`LinearProbe: numClasses must be an integer >= 2, got ${numClasses}`);
    this.inputShape = [features];
    this.targetShape = [numClasses];
    this.layer = new Dense({ name: 'logits', units: numClasses });
  }

  buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> } {
    const { loss, accuracy } = softmaxCrossEntropy(this.layer.call(ctx, x), target);
    return { loss, metrics: { accuracy } };
  }

  parts(): Record<string, ModelPart> {
    return {
      model: { inputShape: this.inputShape, build: (ctx, x) => classifierOutputs(this.layer.call(ctx, x)) },
    };
  }

  getConfig(): Record<string, unknown> {
    return { className: 'LinearProbe', features: this.features, numClasses: this.numClasses };
  }
}

/** Options of {@link linearProbe}. */
export interface LinearProbeOptions {
  /** Passes over the training rows. Default 30. */
  epochs?: number;
  /** Default 256. */
  batchSize?: number;
  /** Adam's learning rate. Default 1e-2. */
  learningRate?: number;
  /** Seeds the weights and the shuffling. Default 0. */
  seed?: number;
  /** Number of classes K. Default: the largest label in either set + 1. */
  numClasses?: number;
  /**
   * Standardize every feature with the training rows' mean and standard
   * deviation before the probe sees it (default true): the probe's accuracy
   * then does not depend on the codes' scale, only on their geometry.
   */
  standardize?: boolean;
  /** Train in a worker thread (default false: the probe is small). */
  worker?: boolean;
}

/** What {@link linearProbe} returns. */
export interface LinearProbeResult {
  /** Accuracy on the training rows. */
  trainAccuracy: number;
  /** Accuracy on the test rows. */
  testAccuracy: number;
  /** The final training loss (mean cross-entropy, nats). */
  loss: number;
  /** The trained probe and its trainer (weights under `trainer.tensors`). */
  probe: LinearProbe;
  trainer: Trainer;
}

function standardizer(m: FeatureMatrix): (x: Float32Array) => Float32Array {
  const mean = new Float64Array(m.d);
  const sq = new Float64Array(m.d);
  for (let i = 0; i < m.n; i++) for (let c = 0; c < m.d; c++) mean[c]! += m.x[i * m.d + c]!;
  for (let c = 0; c < m.d; c++) mean[c]! /= m.n;
  for (let i = 0; i < m.n; i++) for (let c = 0; c < m.d; c++) sq[c]! += (m.x[i * m.d + c]! - mean[c]!) ** 2;
  // A constant feature keeps scale 1 instead of dividing by zero.
  const scale = Array.from(sq, (s) => (s > 0 ? 1 / Math.sqrt(s / m.n) : 1));
  return (x) => {
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = (x[i]! - mean[i % m.d]!) * scale[i % m.d]!;
    return out;
  };
}

async function predictClasses(trainer: Trainer, x: Float32Array, k: number): Promise<Int32Array> {
  return argmaxRows((await trainer.predict(x, { batchSize: 4096 })).logits!.data as Float32Array, k);
}

/**
 * Linear probe: trains a {@link LinearProbe} (multinomial logistic regression,
 * Adam, softmax cross-entropy) on the training rows and their labels and
 * reports its accuracy on both sets. A representation whose classes are
 * linearly separable scores high.
 */
export async function linearProbe(train: FeatureSet, test: FeatureSet, options: LinearProbeOptions = {}): Promise<LinearProbeResult> {
  const tr = featureMatrix(train, 'train');
  const te = featureMatrix(test, 'test');
  if (tr.d !== te.d) throw new Error(`linearProbe: train rows have ${tr.d} features but test rows ${te.d}`);
  const trLabels = classLabels(train.labels, tr.n, 'train');
  const teLabels = classLabels(test.labels, te.n, 'test');
  let maxLabel = 0;
  for (const l of [trLabels, teLabels]) for (let i = 0; i < l.length; i++) maxLabel = Math.max(maxLabel, l[i]!);
  const k = options.numClasses ?? Math.max(2, maxLabel + 1);
  if (!(Number.isInteger(k) && k >= 2)) throw new Error(`linearProbe: numClasses must be an integer >= 2, got ${options.numClasses}`);
  if (maxLabel >= k) throw new Error(`linearProbe: a label is ${maxLabel}, but numClasses is ${k}`);
  const prepare = options.standardize === false ? (x: Float32Array) => x : standardizer(tr);
  const xTrain = prepare(tr.x);
  const xTest = prepare(te.x);
  const oneHot = new Float32Array(tr.n * k);
  for (let i = 0; i < tr.n; i++) oneHot[i * k + trLabels[i]!] = 1;
  const probe = new LinearProbe(tr.d, k);
  const trainer = Trainer.create(probe, { optimizer: new Adam({ learningRate: options.learningRate ?? 1e-2 }), seed: options.seed ?? 0 });
  const fit = await trainer.fit({ x: xTrain, shape: [tr.n, tr.d], target: oneHot, targetShape: [tr.n, k] }, {
    epochs: options.epochs ?? 30, batchSize: options.batchSize ?? 256, worker: options.worker ?? false,
  });
  return {
    trainAccuracy: classificationAccuracy(await predictClasses(trainer, xTrain, k), trLabels),
    testAccuracy: classificationAccuracy(await predictClasses(trainer, xTest, k), teLabels),
    loss: fit.history.at(-1)?.loss ?? NaN,
    probe,
    trainer,
  };
}
