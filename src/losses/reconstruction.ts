/**
 * Reconstruction losses and the Gaussian KL term. Each builds an elementwise
 * loss ℓ in the prediction's graph and returns its {@link LossTerms}:
 * `perElement` (mean over every element), `perSample` (sum over the features,
 * mean over the batch) and `samples` (per-sample sums, shape [N]).
 */
import { type Value } from '../graph/graph.js';
import { GraphBuildError } from '../graph/ops.js';
import { type ActivationName, applyActivation } from '../layers/activations.js';
import { type BuildContext } from '../layers/core.js';
import { type LossTerms, lossTerms, requireSameShape } from './terms.js';

/** Keras' default fuzz factor, used to clip probabilities away from 0 and 1. */
export const EPSILON = 1e-7;

/**
 * Mean squared error: ℓ = (ŷ − y)² elementwise.
 * `perElement` = (1/(N·D)) Σ (ŷ − y)² (Keras' `mse`); `perSample` =
 * (1/N) Σ_n Σ_features (ŷ − y)²; `samples[n]` = Σ_features (ŷ − y)².
 *
 * @param prediction ŷ, sample axis first ([N, …]).
 * @param target y, same shape and dtype as ŷ.
 */
export function mse(prediction: Value, target: Value): LossTerms {
  requireSameShape('mse', prediction, target);
  const g = prediction.graph;
  return lossTerms(g.square(g.sub(prediction, target)));
}

/**
 * Mean absolute error: ℓ = |ŷ − y| elementwise.
 * `perElement` = (1/(N·D)) Σ |ŷ − y| (Keras' `mae`); `perSample` =
 * (1/N) Σ_n Σ_features |ŷ − y|; `samples[n]` = Σ_features |ŷ − y|.
 */
export function mae(prediction: Value, target: Value): LossTerms {
  requireSameShape('mae', prediction, target);
  const g = prediction.graph;
  return lossTerms(g.abs(g.sub(prediction, target)));
}

/**
 * Binary cross-entropy from probabilities p (e.g. a sigmoid output) against
 * targets t in [0, 1]: with p̃ = clip(p, ε, 1 − ε),
 * ℓ = −(t · log p̃ + (1 − t) · log(1 − p̃)) elementwise, as Keras computes it
 * (ε = 1e-7 by default). The clip keeps the loss finite at p ∈ {0, 1}; its
 * gradient is zero where p lies outside [ε, 1 − ε].
 * `perElement` = (1/(N·D)) Σ ℓ (Keras' `binary_crossentropy`); `perSample` =
 * (1/N) Σ_n Σ_features ℓ (the VAE reconstruction term); `samples[n]` = Σ_features ℓ.
 *
 * Prefer {@link binaryCrossEntropyWithLogits} when the logits are at hand: it
 * needs no clipping and stays accurate for saturated units.
 */
export function binaryCrossEntropy(probabilities: Value, target: Value, epsilon = EPSILON): LossTerms {
  requireSameShape('binaryCrossEntropy', probabilities, target);
  if (!(epsilon > 0 && epsilon < 0.5)) throw new GraphBuildError(`binaryCrossEntropy: epsilon must be in (0, 0.5), got ${epsilon}`);
  const g = probabilities.graph;
  const p = g.clip(probabilities, epsilon, 1 - epsilon);
  const positive = g.mul(target, g.log(p));
  const negative = g.mul(g.sub(1, target), g.log(g.sub(1, p)));
  return lossTerms(g.neg(g.add(positive, negative)));
}

/**
 * Binary cross-entropy from logits z against targets t in [0, 1], i.e. the
 * binary cross-entropy of p = σ(z), computed stably as
 * ℓ = max(z, 0) − z · t + log(1 + exp(−|z|)) elementwise, finite for any z:
 * no exp overflows and no log of 0 is taken. Its gradient is σ(z) − t for
 * every z, z = 0 included (0.5 − t there, as PyTorch's
 * `binary_cross_entropy_with_logits` gives).
 * `perElement` = (1/(N·D)) Σ ℓ; `perSample` = (1/N) Σ_n Σ_features ℓ;
 * `samples[n]` = Σ_features ℓ.
 */
export function binaryCrossEntropyWithLogits(logits: Value, target: Value): LossTerms {
  requireSameShape('binaryCrossEntropyWithLogits', logits, target);
  const g = logits.graph;
  // max(z, 0) and −|z| each have a kink at 0 whose derivative autodiff takes as
  // 0 (relu'(0) = sign(0) = 0), which would make dℓ/dz = −t there instead of
  // 0.5 − t: with zero-initialized biases over blank inputs the logits are
  // exactly 0. Both are taken from one branch decision instead, so at z = 0
  // the whole expression is the z ≤ 0 branch, log(1 + e^z) − z·t, smooth with
  // derivative σ(z) − t; the values are unchanged.
  const positive = g.greater(logits, 0);
  const relu = g.where(positive, logits, 0);
  const negAbs = g.where(positive, g.neg(logits), logits);
  return lossTerms(g.add(g.sub(relu, g.mul(logits, target)), g.softplus(negAbs)));
}

/**
 * KL divergence of the diagonal Gaussian N(μ, diag(exp(logVar))) from the
 * standard normal N(0, I), per sample:
 * KL_n = −½ Σ_j (1 + logVar_nj − μ_nj² − exp(logVar_nj)).
 * The elementwise term is ℓ = −½ (1 + logVar − μ² − exp(logVar)) ≥ 0, so
 * `samples[n]` = KL_n (shape [N]); `perSample` = (1/N) Σ_n KL_n, the VAE
 * regularizer to add to a `perSample` reconstruction loss; `perElement` =
 * the same averaged over the code units too, (1/(N·k)) Σ_n KL_n.
 *
 * @param mu μ, shape [N, k].
 * @param logVar log σ², same shape and dtype as μ.
 */
export function klDivergenceGaussian(mu: Value, logVar: Value): LossTerms {
  requireSameShape('klDivergenceGaussian', mu, logVar);
  const g = mu.graph;
  const inner = g.sub(g.sub(g.add(logVar, 1), g.square(mu)), g.exp(logVar));
  return lossTerms(g.mul(inner, -0.5));
}

/** The reconstruction losses a model can be configured with (config field `loss`). */
export type LossName = 'mse' | 'mae' | 'bce';

/**
 * The reconstruction loss of every autoencoder, from the decoder's last linear
 * output (`logits`) and the output activation a that makes x̂ = a(logits):
 * `mse` and `mae` compare x̂ with the target; `bce` with a sigmoid output is
 * computed from the logits ({@link binaryCrossEntropyWithLogits}: finite for
 * saturated units instead of clipping probabilities), with any other output
 * from x̂ ({@link binaryCrossEntropy}).
 */
export function reconstructionLoss(ctx: BuildContext, loss: LossName, logits: Value, target: Value, outputActivation: ActivationName): LossTerms {
  switch (loss) {
    case 'mse': return mse(applyActivation(ctx, logits, outputActivation), target);
    case 'mae': return mae(applyActivation(ctx, logits, outputActivation), target);
    case 'bce': return outputActivation === 'sigmoid' ? binaryCrossEntropyWithLogits(logits, target) : binaryCrossEntropy(applyActivation(ctx, logits, outputActivation), target);
  }
}
