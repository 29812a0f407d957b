/**
 * Regularizers: penalties on weights and on hidden activations, each a scalar
 * value in the graph of its arguments, to be added to a loss.
 */
import { grad } from '../autodiff/grad.js';
import { type Value } from '../graph/graph.js';
import { GraphBuildError } from '../graph/ops.js';
import { formatShape, sizeOf, tensor } from '../graph/types.js';
import { EPSILON } from './reconstruction.js';
import { graphOf, meanOverBatch, requireBatch, scaled, sumPerSample } from './terms.js';

function sumOver(what: string, weights: readonly Value[], term: (w: Value) => Value): Value {
  if (weights.length === 0) throw new GraphBuildError(`${what}: no weights given`);
  const g = graphOf(weights[0]!);
  let total: Value | undefined;
  for (const w of weights) {
    if (graphOf(w) !== g) throw new GraphBuildError(`${what}: ${w.name} belongs to another graph than ${weights[0]!.name}`);
    const s = g.reduceSum(term(w));
    total = total ? g.add(total, s) : s;
  }
  return total!;
}

/**
 * L1 weight penalty: λ · Σ_w Σ_i |w_i| over every element of every given
 * weight tensor (Keras' `l1(λ)`).
 */
export function l1Penalty(weights: readonly Value[], coefficient: number): Value {
  return scaled(sumOver('l1Penalty', weights, (w) => w.graph.abs(w)), coefficient);
}

/**
 * L2 weight penalty: λ · Σ_w Σ_i w_i² over every element of every given
 * weight tensor (Keras' `l2(λ)`; no factor ½, so its gradient is 2λw).
 */
export function l2Penalty(weights: readonly Value[], coefficient: number): Value {
  return scaled(sumOver('l2Penalty', weights, (w) => w.graph.square(w)), coefficient);
}

/**
 * L1 activity penalty on hidden activations h [N, …]:
 * λ · (1/N) Σ_n Σ_j |h_nj|, the mean over the batch of each sample's L1 norm.
 * (Keras' `activity_regularizer=l1(λ)` sums over the batch instead; this one
 * does not change with the batch size.)
 */
export function l1ActivityPenalty(h: Value, coefficient: number): Value {
  requireBatch('l1ActivityPenalty', h);
  return scaled(meanOverBatch(sumPerSample(h.graph.abs(h))), coefficient);
}

export interface KlSparsityOptions {
  /** Target mean activation ρ, in (0, 1), e.g. 0.05. */
  rho: number;
  /** Weight β of the penalty. Default 1. */
  beta?: number;
  /** ρ̂ is clipped to [ε, 1 − ε] so the logs stay finite. Default 1e-7. */
  epsilon?: number;
}

/**
 * KL sparsity penalty (sparse autoencoders) on activations h [N, k] in (0, 1),
 * such as sigmoid outputs. With the mean activation of each unit over the batch
 * ρ̂_j = (1/N) Σ_n h_nj, clipped to [ε, 1 − ε]:
 * β · Σ_j [ρ · log(ρ / ρ̂_j) + (1 − ρ) · log((1 − ρ) / (1 − ρ̂_j))],
 * the sum over units of KL(Bernoulli(ρ) ‖ Bernoulli(ρ̂_j)). It is zero when
 * every ρ̂_j = ρ and positive otherwise. Higher-rank h is treated unit by unit
 * over its non-batch axes.
 */
export function klSparsityPenalty(h: Value, options: KlSparsityOptions): Value {
  requireBatch('klSparsityPenalty', h);
  const { rho, beta = 1, epsilon = EPSILON } = options;
  if (!(rho > 0 && rho < 1)) throw new GraphBuildError(`klSparsityPenalty: rho must be in (0, 1), got ${rho}`);
  if (!(epsilon > 0 && epsilon < 0.5)) throw new GraphBuildError(`klSparsityPenalty: epsilon must be in (0, 0.5), got ${epsilon}`);
  const g = h.graph;
  const rhoHat = g.clip(g.reduceMean(h, [0]), epsilon, 1 - epsilon);
  // ρ log(ρ/ρ̂) + (1−ρ) log((1−ρ)/(1−ρ̂)) = [ρ log ρ + (1−ρ) log(1−ρ)] − ρ log ρ̂ − (1−ρ) log(1−ρ̂)
  const entropyPart = rho * Math.log(rho) + (1 - rho) * Math.log(1 - rho);
  const cross = g.add(g.mul(g.log(rhoHat), rho), g.mul(g.log(g.sub(1, rhoHat)), 1 - rho));
  const perUnit = g.sub(entropyPart, cross);
  return scaled(g.reduceSum(perUnit), beta);
}

/**
 * Contractive penalty (contractive autoencoders), for any encoder built from
 * differentiable ops: the squared Frobenius norm of the Jacobian of the code h
 * [N, k…] with respect to the input x [N, d…], averaged over the batch:
 * λ · (1/N) Σ_n ‖∂h_n/∂x_n‖²_F = λ · (1/N) Σ_n Σ_j Σ_i (∂h_nj/∂x_ni)².
 *
 * Computed by double backprop: for each code unit j, the vector-Jacobian
 * product with the one-hot seed e_j broadcast over the batch,
 * `grad(g, h, [x], seed = e_j)`, gives row j of every sample's Jacobian at once
 * (k backward passes for a k-unit code, which suits small codes). The result is
 * itself differentiable, so training on it differentiates the gradient graph.
 *
 * Assumes samples do not interact in the encoder (no training-mode batch
 * normalization): otherwise row j also picks up ∂h_nj/∂x_m for m ≠ n.
 */
export function contractivePenalty(h: Value, x: Value, coefficient = 1): Value {
  requireBatch('contractivePenalty', h);
  requireBatch('contractivePenalty', x);
  if (h.graph !== x.graph) throw new GraphBuildError(`contractivePenalty: ${h.name} and ${x.name} belong to different graphs`);
  const g = h.graph;
  const unitShape = h.shape.slice(1);
  if (!unitShape.every((d): d is number => typeof d === 'number')) {
    throw new GraphBuildError(`contractivePenalty: the code's non-batch dims must be known, got ${formatShape(h.shape)}`);
  }
  const k = sizeOf(unitShape);
  let squares: Value | undefined;
  for (let j = 0; j < k; j++) {
    const oneHot = Array.from({ length: k }, (_, i) => (i === j ? 1 : 0));
    const seed = g.expand(g.constant(tensor(h.dtype, [1, ...unitShape], oneHot), `contractive_e${j}`), h);
    const [row] = grad(g, h, [x], seed);
    const sq = g.square(row!);
    squares = squares ? g.add(squares, sq) : sq;
  }
  return scaled(meanOverBatch(sumPerSample(squares!)), coefficient);
}

/**
 * Closed form of {@link contractivePenalty} for one dense sigmoid layer
 * h = σ(xW + b), with W of shape [d, k]: since ∂h_nj/∂x_ni = h_nj(1 − h_nj) W_ij,
 * λ · (1/N) Σ_n Σ_j (h_nj (1 − h_nj))² Σ_i W_ij².
 * One pass instead of k; valid only for that encoder.
 *
 * @param h the layer's output σ(xW + b), shape [N, k].
 * @param w its weight W, shape [d, k].
 */
export function contractivePenaltySigmoidDense(h: Value, w: Value, coefficient = 1): Value {
  requireBatch('contractivePenaltySigmoidDense', h);
  if (h.rank !== 2 || w.rank !== 2 || h.shape[1] !== w.shape[1]) {
    throw new GraphBuildError(`contractivePenaltySigmoidDense: expects h [N, k] and W [d, k], got ${formatShape(h.shape)} and ${formatShape(w.shape)}`);
  }
  if (h.graph !== w.graph) throw new GraphBuildError(`contractivePenaltySigmoidDense: ${h.name} and ${w.name} belong to different graphs`);
  const g = h.graph;
  const columnNorms = g.reduceSum(g.square(w), [0]); // [k]: Σ_i W_ij²
  const slope = g.square(g.mul(h, g.sub(1, h))); // [N, k]: (h(1 − h))²
  return scaled(meanOverBatch(g.reduceSum(g.mul(slope, columnNorms), [1])), coefficient);
}
