/**
 * Contrastive regularization of codes: a batch-wise term that pushes the codes
 * of different inputs apart, so an autoencoder's code spreads its samples out
 * instead of crowding them into a few directions.
 */
import { type Value } from '../graph/graph.js';
import { GraphBuildError } from '../graph/ops.js';
import { formatShape } from '../graph/types.js';
import { requireBatch, scaled } from './terms.js';

/** Options of {@link uniformityPenalty}. */
export interface UniformityOptions {
  /** Sharpness t > 0 of the Gaussian kernel exp(−t‖ẑᵢ − ẑⱼ‖²). Default 2 (Wang & Isola's choice). */
  t?: number;
  /** ε in the normalization ẑ = h / √(‖h‖² + ε), so a zero code stays finite. Default 1e-12. */
  epsilon?: number;
}

/**
 * Uniformity (repulsion) term of Wang & Isola (ICML 2020, "Understanding
 * contrastive representation learning through alignment and uniformity on the
 * hypersphere"), on the codes h [N, k…] of one batch, each flattened and
 * L2-normalized, ẑₙ = hₙ / √(‖hₙ‖² + ε):
 *
 *   L = λ · log( 1/(N(N−1)) · Σ_{i≠j} exp(−t ‖ẑᵢ − ẑⱼ‖²) ).
 *
 * It is the log of the mean Gaussian-kernel similarity over all ordered pairs
 * of distinct samples: largest (0) when every code points the same way, and
 * lower the more evenly the directions cover the unit sphere (its minimum
 * on the sphere is attained by the uniform distribution; the value is ≥ −4t
 * because ‖ẑᵢ − ẑⱼ‖² ≤ 4). Minimizing it is the "push apart the codes of
 * different inputs" half of a contrastive loss, without needing two views of
 * each input. Only the directions of the codes enter; their norms are left
 * to the reconstruction loss.
 *
 * Computed from the Gram matrix: ‖ẑᵢ − ẑⱼ‖² = ‖ẑᵢ‖² + ‖ẑⱼ‖² − 2ẑᵢ·ẑⱼ for all
 * N² pairs, then the N diagonal terms (distance 0, kernel value 1) are taken
 * out of the sum: Σ_{i≠j} = N²·mean − N. The exponents are ≤ 0 up to
 * rounding, so nothing overflows. A batch of one sample has no pairs: the
 * mean is clipped from below at e^{−4t} (its smallest possible value, so the
 * clip is inactive for N ≥ 2), which makes that batch's term the constant −4t
 * with zero gradient instead of 0/0.
 *
 * Cost: one N×N matrix product per step (N = batch size).
 *
 * @param h codes [N, k…] (the sample axis first, at least one code axis).
 * @param coefficient λ, the term's weight.
 */
export function uniformityPenalty(h: Value, coefficient: number, options: UniformityOptions = {}): Value {
  requireBatch('uniformityPenalty', h);
  const { t = 2, epsilon = 1e-12 } = options;
  if (!(Number.isFinite(t) && t > 0)) throw new GraphBuildError(`uniformityPenalty: t must be a positive number, got ${t}`);
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw new GraphBuildError(`uniformityPenalty: epsilon must be a positive number, got ${epsilon}`);
  if (h.rank < 2) throw new GraphBuildError(`uniformityPenalty: expected codes [N, k…] with at least one code axis, got ${formatShape(h.shape)}`);
  const g = h.graph;
  const flat = h.rank === 2 ? h : g.flatten(h, 1);
  const norms = g.sqrt(g.add(g.reduceSum(g.square(flat), [1], true), epsilon)); // [N, 1]
  const z = g.div(flat, norms);
  const sq = g.reduceSum(g.square(z), [1], true); // [N, 1]: ‖ẑᵢ‖², 1 up to ε
  const gram = g.matmul(z, g.transpose(z, [1, 0])); // [N, N]
  const dist = g.sub(g.add(sq, g.transpose(sq, [1, 0])), g.mul(gram, 2));
  const meanAll = g.reduceMean(g.exp(g.mul(dist, -t))); // (1/N²) Σ_{i,j}
  const n = g.reduceSum(g.onesLike(sq)); // N as a value: the batch size may be symbolic
  // Σ_{i≠j}/(N(N−1)) = (N·meanAll − 1)/(N − 1); the denominator is kept ≥ 1 so N = 1 gives 0, not 0/0.
  const pairMean = g.div(g.sub(g.mul(meanAll, n), 1), g.clip(g.sub(n, 1), 1, Infinity));
  return scaled(g.log(g.clip(pairMean, Math.exp(-4 * t), Infinity)), coefficient);
}
