import { type Graph, Value } from '../graph/graph.js';
import { GraphBuildError } from '../graph/ops.js';
import { formatShape, isFloat } from '../graph/types.js';

/**
 * The reductions of one elementwise loss ℓ over a batch whose first axis is the
 * sample axis (it may be symbolic, such as `'N'`: every batch reduction is a
 * `reduceMean` over axis 0, never a division by a static size).
 *
 * For ℓ of shape [N, d₁, …, dₖ] with D = d₁·…·dₖ features per sample:
 * - `samples[n] = Σ_features ℓ[n, …]`, shape [N];
 * - `perSample = (1/N) Σ_n samples[n]`, a scalar;
 * - `perElement = (1/(N·D)) Σ_n Σ_features ℓ[n, …] = perSample / D`, a scalar.
 */
export interface LossTerms {
  /**
   * Mean over every element (batch and features): the "per pixel" loss that
   * Keras reports for `mse` or `binary_crossentropy`. Scalar (shape []).
   */
  perElement: Value;
  /**
   * Sum over the features of each sample, then mean over the batch: the
   * per-sample loss of the VAE literature (the scale at which a KL term is
   * added to a reconstruction term). Scalar (shape []).
   */
  perSample: Value;
  /**
   * Sum over the features of each sample, one value per sample, shape [N]:
   * per-sample reconstruction errors, as used for anomaly scores.
   */
  samples: Value;
}

/** The graph a value belongs to. */
export function graphOf(v: Value): Graph {
  if (!(v instanceof Value)) throw new GraphBuildError(`expected a graph value, got ${String(v)}`);
  return v.graph;
}

/** Throws unless `v` is a floating-point value of rank ≥ 1 (a batch). */
export function requireBatch(what: string, v: Value): void {
  if (!(v instanceof Value)) throw new GraphBuildError(`${what}: expected a graph value, got ${String(v)}`);
  if (!isFloat(v.dtype)) throw new GraphBuildError(`${what}: expected a float value, got ${v}`);
  if (v.rank < 1) throw new GraphBuildError(`${what}: expected a batch with the sample axis first, got the scalar ${v}`);
}

/** Throws unless `a` and `b` share a graph, a dtype and a shape (symbolic dims compared by name). */
export function requireSameShape(what: string, a: Value, b: Value): void {
  requireBatch(what, a);
  requireBatch(what, b);
  if (a.graph !== b.graph) throw new GraphBuildError(`${what}: ${a.name} and ${b.name} belong to different graphs`);
  if (a.dtype !== b.dtype) throw new GraphBuildError(`${what}: dtypes differ, ${a} vs ${b}`);
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new GraphBuildError(`${what}: shapes differ, ${formatShape(a.shape)} vs ${formatShape(b.shape)}`);
  }
}

/**
 * Sums every axis but the first: [N, d₁, …, dₖ] → [N]. A rank-1 value is
 * returned as is (each sample is one element).
 */
export function sumPerSample(v: Value): Value {
  requireBatch('sumPerSample', v);
  if (v.rank === 1) return v;
  return v.graph.reduceSum(v, [...Array(v.rank).keys()].slice(1));
}

/** Mean over the batch (axis 0) of a per-sample vector [N] → scalar. */
export function meanOverBatch(v: Value): Value {
  if (v.rank !== 1) throw new GraphBuildError(`meanOverBatch: expected a vector [N], got ${v}`);
  return v.graph.reduceMean(v, [0]);
}

/**
 * Reduces an elementwise loss ℓ (sample axis first) to its {@link LossTerms}:
 * `perElement` = mean of ℓ over all elements, `samples` = Σ_features ℓ per
 * sample ([N]), `perSample` = mean over the batch of `samples`. Use it to give
 * a custom elementwise loss the same three reductions as the built-in ones.
 */
export function lossTerms(elementwise: Value): LossTerms {
  requireBatch('lossTerms', elementwise);
  const g = elementwise.graph;
  const samples = sumPerSample(elementwise);
  return { perElement: g.reduceMean(elementwise), perSample: meanOverBatch(samples), samples };
}

/** `v · coefficient`, without a node when the coefficient is 1. */
export function scaled(v: Value, coefficient: number): Value {
  if (!Number.isFinite(coefficient)) throw new GraphBuildError(`coefficient must be a finite number, got ${coefficient}`);
  return coefficient === 1 ? v : v.graph.mul(v, coefficient);
}
