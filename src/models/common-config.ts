/**
 * The config fields every model of the family accepts (loss, output
 * activation, reduction, noise, sparsity, contractive and contrastive
 * penalties): their types, validation with defaults, and how `getConfig`
 * writes them back.
 */
import { type ActivationName } from '../layers/activations.js';
import { type LossName } from '../losses/index.js';
import { type PerceptualLoss, type PerceptualLossConfig, parsePerceptual, perceptualConfig } from './perceptual-loss.js';
import { type AdversarialLoss, type AdversarialLossConfig, adversarialConfig, parseAdversarial } from './adversarial-loss.js';
import { type Value } from '../graph/graph.js';
import { type GraphBuildContext } from '../layers/core.js';
import { ConfigError, activationName, bool, numberIn, objectOf, oneOf, opt, positiveInts, req } from './config.js';

export { type LossName };

/**
 * Input corruption for denoising autoencoders, applied to the encoder's input
 * in the training graph only (the target stays the clean x; inference parts
 * never corrupt). Fresh noise is drawn at every step by ONNX Runtime's seeded
 * random ops.
 * - `gaussian`: x̃ = x + ε, ε ~ N(0, std²); with `clip`, x̃ is clipped to [0, 1].
 * - `masking`: x̃ = x · m, m_i ~ Bernoulli(1 − rate) (a fraction `rate` of inputs set to 0, no rescaling).
 * - `saltPepper`: with probability `rate` an input is replaced by 0 or 1 (equally likely), else kept.
 */
export type NoiseConfig =
  | { type: 'gaussian'; std: number; clip?: boolean }
  | { type: 'masking'; rate: number }
  | { type: 'saltPepper'; rate: number };

/**
 * Sparsity penalty on the code h [N, k] (sparse autoencoders), added to the loss:
 * - `l1`: λ · (1/N) Σ_n Σ_j |h_nj|;
 * - `kl`: β · Σ_j KL(Bernoulli(ρ) ‖ Bernoulli(ρ̂_j)), ρ̂_j = (1/N) Σ_n h_nj; needs a code in (0, 1)
 *   (a sigmoid code activation).
 */
export type SparsityConfig = { type: 'l1'; coefficient: number } | { type: 'kl'; rho: number; beta?: number };

/**
 * Contrastive regularization of the code (config field `contrastive`): the
 * uniformity term of Wang & Isola on the L2-normalized codes ẑ of each batch,
 * weight · log( 1/(N(N−1)) Σ_{i≠j} exp(−t‖ẑᵢ − ẑⱼ‖²) ), which pushes the codes
 * of different inputs apart (see `uniformityPenalty`). A number is the weight
 * with t = 2. Reported as metric `contrastive` (it is ≤ 0: lower is more spread).
 */
export interface ContrastiveConfig {
  /** Weight of the term, > 0. */
  weight: number;
  /** Kernel sharpness t > 0. Default 2. */
  t?: number;
}

/** Fields every model config accepts. */
export interface CommonConfig {
  /** Per-sample input shape: [features], [channels, height, width] or [timesteps, features]. */
  inputShape: number[];
  /** Reconstruction loss: a name, a perceptual loss, or an adversarial loss added to either. */
  loss?: LossName | PerceptualLossConfig | AdversarialLossConfig;
  /** Applied to the decoder's last (linear) layer. Default: 'sigmoid' with loss 'bce', else 'linear'. */
  outputActivation?: ActivationName;
  /**
   * How the reconstruction loss is reduced: 'perElement' (mean over every
   * element, Keras' convention, default for plain models) or 'perSample' (sum over
   * features, mean over the batch; the VAE convention).
   */
  reduction?: 'perElement' | 'perSample';
  /** Denoising: corrupt the encoder's input while training. */
  noise?: NoiseConfig;
  /** Sparse autoencoder penalty on the code. */
  sparsity?: SparsityConfig;
  /**
   * Contractive autoencoder: adds λ · (1/N) Σ_n ‖∂h_n/∂x̃_n‖²_F, the Jacobian of
   * the code with respect to the encoder's input, by double backprop (one
   * backward pass per code unit, so keep codes small).
   */
  contractive?: number;
  /** Contrastive regularization: push the codes of different inputs apart (a VAE: its means μ). */
  contrastive?: number | ContrastiveConfig;
}

export const COMMON_FIELDS = ['className', 'inputShape', 'loss', 'outputActivation', 'reduction', 'noise', 'sparsity', 'contractive', 'contrastive'] as const;

/** Common fields after validation and defaults. */
export interface ResolvedCommon {
  inputShape: number[];
  /** The pixel loss (with a perceptual loss, the one mixed in). */
  loss: LossName;
  perceptual?: PerceptualLoss;
  /** The adversarial term added to the reconstruction loss, when `loss` is one. */
  adversarial?: AdversarialLoss;
  outputActivation: ActivationName;
  reduction: 'perElement' | 'perSample';
  noise?: NoiseConfig;
  sparsity?: SparsityConfig;
  contractive?: number;
  contrastive?: Required<ContrastiveConfig>;
}

function parseContrastive(v: unknown, path: string): Required<ContrastiveConfig> {
  const weight = (x: unknown, p: string) => numberIn(x, p, 0, Infinity, { min: true });
  if (typeof v === 'number') return { weight: weight(v, path), t: 2 };
  const o = objectOf(v, path, ['weight', 't']);
  return { weight: req(o, 'weight', path, weight), t: opt(o, 't', path, (x, p) => numberIn(x, p, 0, Infinity, { min: true }), 2) };
}

function parseNoise(v: unknown, path: string): NoiseConfig {
  const type = oneOf(objectOf(v, path, ['type', 'std', 'clip', 'rate']).type, `${path}.type`, ['gaussian', 'masking', 'saltPepper'] as const);
  if (type === 'gaussian') {
    const o = objectOf(v, path, ['type', 'std', 'clip']);
    const out: NoiseConfig = { type, std: req(o, 'std', path, (x, p) => numberIn(x, p, 0, Infinity, { min: true })) };
    if (o.clip !== undefined) out.clip = bool(o.clip, `${path}.clip`);
    return out;
  }
  const o = objectOf(v, path, ['type', 'rate']);
  return { type, rate: req(o, 'rate', path, (x, p) => numberIn(x, p, 0, 1, { min: true, max: true })) };
}

function parseSparsity(v: unknown, path: string): SparsityConfig {
  const type = oneOf(objectOf(v, path, ['type', 'coefficient', 'rho', 'beta']).type, `${path}.type`, ['l1', 'kl'] as const);
  if (type === 'l1') {
    const o = objectOf(v, path, ['type', 'coefficient']);
    return { type, coefficient: req(o, 'coefficient', path, (x, p) => numberIn(x, p, 0, Infinity)) };
  }
  const o = objectOf(v, path, ['type', 'rho', 'beta']);
  const out: SparsityConfig = { type, rho: req(o, 'rho', path, (x, p) => numberIn(x, p, 0, 1, { min: true, max: true })) };
  if (o.beta !== undefined) out.beta = numberIn(o.beta, `${path}.beta`, 0, Infinity);
  return out;
}

/**
 * Validates the common fields of a config (the caller has already rejected
 * unknown fields) and applies defaults. `defaults` lets a model choose its own
 * loss (the VAE: 'bce').
 */
export function parseCommon(c: Record<string, unknown>, path: string, defaults: { loss?: LossName; reduction?: 'perElement' | 'perSample' } = {}): ResolvedCommon {
  const inputShape = req(c, 'inputShape', path, positiveInts);
  let perceptual: PerceptualLoss | undefined;
  let adversarial: AdversarialLoss | undefined;
  let loss: LossName;
  // An adversarial loss wraps the loss it is added to, which is read as any `loss` field.
  let lossField = c.loss;
  let lossPath = `${path}.loss`;
  if (lossField !== null && typeof lossField === 'object' && (lossField as { type?: unknown }).type === 'adversarial') {
    ({ adversarial, base: lossField } = parseAdversarial(lossField, lossPath, inputShape));
    lossPath = `${lossPath}.base`;
  }
  if (lossField !== null && typeof lossField === 'object') {
    ({ perceptual, pixelLoss: loss } = parsePerceptual(lossField, lossPath, inputShape, defaults.loss ?? 'mse'));
  } else {
    loss = lossField === undefined ? defaults.loss ?? 'mse' : oneOf(lossField, lossPath, ['mse', 'mae', 'bce'] as const);
  }
  // A classifier is trained on images in [0, 1], so a perceptual loss defaults to a sigmoid output.
  const outputActivation = opt(c, 'outputActivation', path, activationName, loss === 'bce' || perceptual ? 'sigmoid' : 'linear');
  if (loss === 'bce' && !['sigmoid'].includes(outputActivation)) {
    throw new ConfigError(`${path}.outputActivation`, `loss 'bce' needs outputs in [0, 1], so 'sigmoid'; got '${outputActivation}'`);
  }
  const reduction = opt(c, 'reduction', path, (v, p) => oneOf(v, p, ['perElement', 'perSample'] as const), defaults.reduction ?? 'perElement');
  const out: ResolvedCommon = { inputShape, loss, outputActivation, reduction };
  if (perceptual) out.perceptual = perceptual;
  if (adversarial) out.adversarial = adversarial;
  if (c.noise !== undefined) out.noise = parseNoise(c.noise, `${path}.noise`);
  if (c.sparsity !== undefined) out.sparsity = parseSparsity(c.sparsity, `${path}.sparsity`);
  if (c.contractive !== undefined) out.contractive = numberIn(c.contractive, `${path}.contractive`, 0, Infinity, { min: true });
  if (c.contrastive !== undefined) out.contrastive = parseContrastive(c.contrastive, `${path}.contrastive`);
  return out;
}

/** The common fields as they appear in `getConfig()` (defaults made explicit, absent options left out). */
export function commonConfig(c: ResolvedCommon): Record<string, unknown> {
  const baseLoss = c.perceptual ? perceptualConfig(c.perceptual, c.loss) : c.loss;
  return {
    inputShape: [...c.inputShape],
    loss: c.adversarial ? adversarialConfig(c.adversarial, baseLoss) : baseLoss,
    outputActivation: c.outputActivation,
    reduction: c.reduction,
    ...(c.noise ? { noise: { ...c.noise } } : {}),
    ...(c.sparsity ? { sparsity: { ...c.sparsity } } : {}),
    ...(c.contractive !== undefined ? { contractive: c.contractive } : {}),
    ...(c.contrastive ? { contrastive: { ...c.contrastive } } : {}),
  };
}

/** The corrupted input x̃ of a training batch (see {@link NoiseConfig}); fresh noise at every step from ONNX Runtime's seeded random ops. */
export function corrupt(ctx: GraphBuildContext, x: Value, noise: NoiseConfig): Value {
  const { g } = ctx;
  switch (noise.type) {
    case 'gaussian': {
      const noisy = g.gaussianNoise(x, noise.std);
      return noise.clip ? g.clip(noisy, 0, 1) : noisy;
    }
    case 'masking': {
      // Unlike dropout, masking noise does not rescale survivors: the encoder must learn to fill in zeros.
      const keep = g.cast(g.greater(g.randomUniformLike(x), noise.rate), x.dtype);
      return g.mul(x, keep);
    }
    case 'saltPepper': {
      // One uniform draw u decides both whether to corrupt (u < rate) and the value (u < rate/2 → 0, else 1).
      const u = g.randomUniformLike(x);
      return g.where(g.less(u, noise.rate / 2), 0, g.where(g.less(u, noise.rate), 1, x));
    }
  }
}
