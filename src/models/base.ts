/**
 * The autoencoder family's shared machinery: one base class that implements
 * the trainer's {@link TrainableModel} contract once (input corruption,
 * reconstruction loss, sparsity and contractive penalties, inference parts) and
 * wraps a {@link Trainer} behind a Keras-like API, plus the registry that
 * rebuilds any model from its JSON config.
 */
import { Rng } from '../data/random.js';
import { Graph, type Value } from '../graph/graph.js';
import { type Shape, type TensorData, formatShape, sizeOf } from '../graph/types.js';
import { type ActivationName, applyActivation } from '../layers/activations.js';
import { GraphBuildContext, type Layer } from '../layers/core.js';
import { type Sequential } from '../layers/wrappers.js';
import {
  type LossTerms, binaryCrossEntropy, binaryCrossEntropyWithLogits, contractivePenalty, klSparsityPenalty, l1ActivityPenalty, mae, mse, uniformityPenalty,
} from '../losses/index.js';
import { PERCEPTUAL_PREFIX, addTerms, perceptualLoss, scaleTerms } from '../losses/perceptual.js';
import { ImageClassifier } from './classifier.js';
import { type ModelPart, type TrainableModel } from '../train/model.js';
import { type ArrayData, type FitOptions, type FitResult, Trainer, type TrainerOptions } from '../train/trainer.js';
import { type StreamSource, isStreamSource } from '../data/source.js';
import { type EpochMetrics } from '../train/loop.js';
import { CheckpointError, openCheckpointDir } from '../train/checkpoint.js';
import { checkTrainerOptions } from '../train/options.js';
import {
  ConfigError, activationName, bool, numberIn, objectOf, oneOf, opt, positiveInt, positiveInts, req,
} from './config.js';

/** Reconstruction losses; `bce` with a sigmoid output is computed from the logits (stable). */
export type LossName = 'mse' | 'mae' | 'bce';

/**
 * Perceptual reconstruction loss (config field `loss`): the reconstruction x̂
 * and the target x are both passed through a trained {@link ImageClassifier} φ
 * with frozen weights, and their feature maps are compared:
 *
 *   L = weight · Σ_l mean((φ_l(x̂) − φ_l(x))²) + pixelWeight · L_pixel(x̂, x)
 *
 * over the chosen layers l (each layer's mean over its elements, with
 * reduction 'perElement'; per-sample sums averaged over the batch with
 * 'perSample'). Training reports the unweighted terms as metrics `perceptual`
 * and `pixel` next to `reconstruction` (= L).
 *
 * The classifier's weights enter the training graph as non-trainable tensors
 * `perceptual/<layer>/<name>`: fed with every step, never updated, saved with
 * the model's checkpoint (so `save`/`load` need no classifier directory), and
 * absent from the exported inference parts except `errors`.
 */
export interface PerceptualLossConfig {
  type: 'perceptual';
  /**
   * The feature network: the directory an {@link ImageClassifier} was saved to,
   * an `ImageClassifier` object (its weights are copied when the model is
   * built), or an ImageClassifier config object: the form `getConfig()` writes,
   * whose weights must then come from the model's checkpoint (`load`).
   * Its inputShape must hold as many values as the model's (a flat [784]
   * model may use a [1, 28, 28] classifier; samples are reshaped).
   */
  classifier: string | ImageClassifier | Record<string, unknown>;
  /** Classifier layers compared (see `ImageClassifier.layerNames`). Default: the conv layers (after ReLU). */
  layers?: readonly string[];
  /** Weight of the perceptual term, > 0. Default 1. */
  weight?: number;
  /** Pixel loss mixed in. Default: the model's default loss ('mse'; 'bce' for a VAE). */
  pixelLoss?: LossName;
  /** Weight of the pixel term, ≥ 0. Default 0 (its value is still reported as metric `pixel`). */
  pixelWeight?: number;
}

/** A validated perceptual loss. */
export interface PerceptualLoss {
  classifier: ImageClassifier;
  /** Trained classifier weights by tensor name; absent when only the architecture is known (a saved config before `load`). */
  weights?: Map<string, TensorData>;
  layers: string[];
  weight: number;
  pixelWeight: number;
}

/** The reconstruction loss's reductions, and for a perceptual loss its two unweighted terms. */
export interface ReconstructionTerms extends LossTerms {
  parts?: { perceptual: LossTerms; pixel: LossTerms };
}

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
  /** Reconstruction loss: a name, or a perceptual loss. */
  loss?: LossName | PerceptualLossConfig;
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

function parseClassifier(v: unknown, path: string): { classifier: ImageClassifier; weights?: Map<string, TensorData> } {
  if (v instanceof ImageClassifier) return { classifier: v, weights: v.weights() };
  if (typeof v === 'string') {
    let classifier: ImageClassifier;
    try {
      classifier = ImageClassifier.load(v);
    } catch (e) {
      throw new ConfigError(path, `cannot load a classifier from '${v}': ${(e as Error).message}`);
    }
    return { classifier, weights: classifier.weights() };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ConfigError(path, `expected the directory of a saved ImageClassifier, an ImageClassifier or its config, got ${JSON.stringify(v)}`);
  }
  return { classifier: new ImageClassifier(v as never, path) };
}

function parsePerceptual(v: unknown, path: string, inputShape: number[], defaultPixel: LossName): { perceptual: PerceptualLoss; pixelLoss: LossName } {
  const o = objectOf(v, path, ['type', 'classifier', 'layers', 'weight', 'pixelLoss', 'pixelWeight']);
  if (o.type !== 'perceptual') throw new ConfigError(`${path}.type`, `expected 'perceptual' (or give loss as one of 'mse', 'mae', 'bce'), got ${JSON.stringify(o.type)}`);
  const { classifier, weights } = req(o, 'classifier', path, parseClassifier);
  if (sizeOf(classifier.inputShape) !== sizeOf(inputShape)) {
    throw new ConfigError(`${path}.classifier`, `the classifier takes inputs [${classifier.inputShape}] (${sizeOf(classifier.inputShape)} values) but the model's inputShape is [${inputShape}] (${sizeOf(inputShape)} values)`);
  }
  const names = classifier.layerNames;
  const layers = opt(o, 'layers', path, (x, p) => {
    if (!Array.isArray(x) || x.length === 0) throw new ConfigError(p, `expected a non-empty array of layer names (${names.join(', ')}), got ${JSON.stringify(x)}`);
    return x.map((name, i) => {
      if (typeof name !== 'string' || !names.includes(name)) throw new ConfigError(`${p}[${i}]`, `unknown layer ${JSON.stringify(name)}; the classifier's layers: ${names.join(', ')}`);
      if (x.indexOf(name) !== i) throw new ConfigError(`${p}[${i}]`, `layer '${name}' is listed twice`);
      return name;
    });
  }, classifier.convLayerNames);
  const weight = opt(o, 'weight', path, (x, p) => numberIn(x, p, 0, Infinity, { min: true }), 1);
  const pixelLoss = opt(o, 'pixelLoss', path, (x, p) => oneOf(x, p, ['mse', 'mae', 'bce'] as const), defaultPixel);
  const pixelWeight = opt(o, 'pixelWeight', path, (x, p) => numberIn(x, p, 0, Infinity), 0);
  return { perceptual: { classifier, weights, layers, weight, pixelWeight }, pixelLoss };
}

/** The `loss` field of a config with a perceptual loss (the classifier as its architecture; weights travel in checkpoints). */
function perceptualConfig(p: PerceptualLoss, pixelLoss: LossName): Record<string, unknown> {
  return { type: 'perceptual', classifier: p.classifier.getConfig(), layers: [...p.layers], weight: p.weight, pixelLoss, pixelWeight: p.pixelWeight };
}

/**
 * Validates the common fields of a config (the caller has already rejected
 * unknown fields) and applies defaults. `defaults` lets a model choose its own
 * loss (the VAE: 'bce').
 */
export function parseCommon(c: Record<string, unknown>, path: string, defaults: { loss?: LossName; reduction?: 'perElement' | 'perSample' } = {}): ResolvedCommon {
  const inputShape = req(c, 'inputShape', path, positiveInts);
  let perceptual: PerceptualLoss | undefined;
  let loss: LossName;
  if (c.loss !== null && typeof c.loss === 'object') {
    ({ perceptual, pixelLoss: loss } = parsePerceptual(c.loss, `${path}.loss`, inputShape, defaults.loss ?? 'mse'));
  } else {
    loss = opt(c, 'loss', path, (v, p) => oneOf(v, p, ['mse', 'mae', 'bce'] as const), defaults.loss ?? 'mse');
  }
  // A classifier is trained on images in [0, 1], so a perceptual loss defaults to a sigmoid output.
  const outputActivation = opt(c, 'outputActivation', path, activationName, loss === 'bce' || perceptual ? 'sigmoid' : 'linear');
  if (loss === 'bce' && !['sigmoid'].includes(outputActivation)) {
    throw new ConfigError(`${path}.outputActivation`, `loss 'bce' needs outputs in [0, 1], so 'sigmoid'; got '${outputActivation}'`);
  }
  const reduction = opt(c, 'reduction', path, (v, p) => oneOf(v, p, ['perElement', 'perSample'] as const), defaults.reduction ?? 'perElement');
  const out: ResolvedCommon = { inputShape, loss, outputActivation, reduction };
  if (perceptual) out.perceptual = perceptual;
  if (c.noise !== undefined) out.noise = parseNoise(c.noise, `${path}.noise`);
  if (c.sparsity !== undefined) out.sparsity = parseSparsity(c.sparsity, `${path}.sparsity`);
  if (c.contractive !== undefined) out.contractive = numberIn(c.contractive, `${path}.contractive`, 0, Infinity, { min: true });
  if (c.contrastive !== undefined) out.contrastive = parseContrastive(c.contrastive, `${path}.contrastive`);
  return out;
}

/** The common fields as they appear in `getConfig()` (defaults made explicit, absent options left out). */
export function commonConfig(c: ResolvedCommon): Record<string, unknown> {
  return {
    inputShape: [...c.inputShape],
    loss: c.perceptual ? perceptualConfig(c.perceptual, c.loss) : c.loss,
    outputActivation: c.outputActivation,
    reduction: c.reduction,
    ...(c.noise ? { noise: { ...c.noise } } : {}),
    ...(c.sparsity ? { sparsity: { ...c.sparsity } } : {}),
    ...(c.contractive !== undefined ? { contractive: c.contractive } : {}),
    ...(c.contrastive ? { contrastive: { ...c.contrastive } } : {}),
  };
}

/** What an encoder adds to a graph: the code, and for a VAE the Gaussian's parameters. */
export interface Encoded {
  /** The deterministic code (a VAE's μ). */
  code: Value;
  mu?: Value;
  logVar?: Value;
}

/** One line of {@link AutoencoderModel.summary}. */
export interface SummaryRow {
  section: string;
  layer: string;
  className: string;
  outputShape: Shape;
  params: number;
}

/** A group of layers applied in sequence, for the summary. */
export interface SummarySection {
  title: string;
  inputShape: Shape;
  layers: Layer[];
}

type ModelFactory = (config: Record<string, unknown>) => AutoencoderModel;
const registry = new Map<string, ModelFactory>();

/** Registers a model class so `modelFromConfig` and `load` can rebuild it by its `className`. */
export function registerModel(className: string, factory: ModelFactory): void {
  registry.set(className, factory);
}

/**
 * Rebuilds a model from its JSON config (`className` plus the same fields its
 * constructor takes). Unknown classes, unknown fields, wrong types and
 * inconsistent sizes throw a {@link ConfigError} naming the field.
 */
export function modelFromConfig(json: unknown): AutoencoderModel {
  const c = json as Record<string, unknown>;
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new ConfigError('config', `expected an object, got ${JSON.stringify(json)}`);
  const factory = typeof c.className === 'string' ? registry.get(c.className) : undefined;
  if (!factory) throw new ConfigError('config.className', `expected one of ${[...registry.keys()].sort().map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(c.className)}`);
  const { className: _, ...rest } = c;
  return factory(rest);
}

/** Rejects fields a model does not know, before any other check (so typos are reported as such). */
export function fieldsOf(config: unknown, allowed: readonly string[]): Record<string, unknown> {
  return objectOf(config, 'config', allowed);
}

/** Samples stored row after row, `shape` = [n, ...inputShape] (a `Dataset` from src/data fits). */
export type ModelData = ArrayData;

/**
 * Base of every autoencoder: f (encoder) maps x to a code h = f(x̃), g (decoder)
 * maps the code back, x̂ = a(g(h)) with `a` the output activation, and training
 * minimizes L(x̂, x) + penalties, where x̃ is x corrupted by the noise option
 * (x̃ = x without it).
 *
 * Subclasses say how to encode and decode; this class does the rest: the
 * trainer's objective and inference parts, and a Keras-like API
 * (`fit`, `encode`, `decode`, `reconstruct`, `reconstructionError`, `sample`,
 * `interpolate`, `save`/`load`, `exportOnnx`, `summary`).
 *
 * Inference parts: `model` (x → reconstruction), `encoder` (x → code, or μ and
 * log σ² for a VAE), `decoder` (code → reconstruction), `errors` (x → per-sample
 * reconstruction error, shape [N]).
 */
export abstract class AutoencoderModel implements TrainableModel {
  abstract readonly className: string;
  readonly inputShape: number[];
  /** The pixel loss (with a perceptual loss, the one mixed in with `pixelWeight`). */
  readonly loss: LossName;
  /** The perceptual loss, when the config's `loss` is one. */
  readonly perceptual?: PerceptualLoss;
  readonly outputActivation: ActivationName;
  readonly reduction: 'perElement' | 'perSample';
  readonly noise?: NoiseConfig;
  readonly sparsity?: SparsityConfig;
  readonly contractive?: number;
  readonly contrastive?: Required<ContrastiveConfig>;
  private trainerInstance?: Trainer;
  private trainerOptions: TrainerOptions = {};

  protected constructor(common: ResolvedCommon) {
    this.inputShape = [...common.inputShape];
    this.loss = common.loss;
    this.perceptual = common.perceptual;
    this.outputActivation = common.outputActivation;
    this.reduction = common.reduction;
    this.noise = common.noise;
    this.sparsity = common.sparsity;
    this.contractive = common.contractive;
    this.contrastive = common.contrastive;
  }

  /** Per-sample code shape (a VAE: the latent dimension). */
  abstract readonly latentShape: number[];
  /** Adds the encoder's ops. */
  protected abstract encodeGraph(ctx: GraphBuildContext, x: Value): Encoded;
  /** Adds the decoder's ops, up to its last linear layer (before the output activation). */
  protected abstract decodeGraph(ctx: GraphBuildContext, z: Value): Value;
  /** Layers by section, for `summary()`. */
  protected abstract summarySections(): SummarySection[];
  /** Model-specific config fields (the common ones are added by `getConfig`). */
  protected abstract ownConfig(): Record<string, unknown>;

  /** The encoder part's output that `encode` returns. */
  protected readonly codeOutput: string = 'code';

  /** Outputs of the encoder part. */
  protected encoderOutputs(e: Encoded): Record<string, Value> {
    return { code: e.code };
  }

  /** Output activation applied to the decoder's linear output: x̂ = a(logits). */
  protected activate(ctx: GraphBuildContext, logits: Value): Value {
    return applyActivation(ctx, logits, this.outputActivation);
  }

  /**
   * The reconstruction loss's reductions for decoder logits against a target.
   * BCE with a sigmoid output uses the logits form, which stays finite for
   * saturated units instead of clipping probabilities. With a perceptual loss:
   * weight · perceptual + pixelWeight · pixel (see {@link PerceptualLossConfig}),
   * with both unweighted terms in `parts`.
   */
  protected reconstructionTerms(ctx: GraphBuildContext, logits: Value, target: Value): ReconstructionTerms {
    const pixel = this.pixelTerms(ctx, logits, target);
    const p = this.perceptual;
    if (!p) return pixel;
    const perceptual = perceptualLoss(ctx, this.activate(ctx, logits), target, {
      network: p.classifier.network.layers,
      layers: p.layers,
      prefix: PERCEPTUAL_PREFIX,
      ...(this.inputShape.join() !== p.classifier.inputShape.join() ? { inputShape: p.classifier.inputShape } : {}),
    });
    const total = p.pixelWeight > 0 ? addTerms(scaleTerms(perceptual, p.weight), scaleTerms(pixel, p.pixelWeight)) : scaleTerms(perceptual, p.weight);
    return { ...total, parts: { perceptual, pixel } };
  }

  private pixelTerms(ctx: GraphBuildContext, logits: Value, target: Value): LossTerms {
    switch (this.loss) {
      case 'mse': return mse(this.activate(ctx, logits), target);
      case 'mae': return mae(this.activate(ctx, logits), target);
      case 'bce': return this.outputActivation === 'sigmoid' ? binaryCrossEntropyWithLogits(logits, target) : binaryCrossEntropy(this.activate(ctx, logits), target);
    }
  }

  /**
   * Metrics `perceptual` and `pixel` (unweighted, reduced like the loss) of a
   * perceptual loss's terms; none otherwise. Identity nodes, so no output
   * names the same value as the loss.
   */
  protected termMetrics(ctx: GraphBuildContext, terms: ReconstructionTerms): Record<string, Value> {
    if (!terms.parts) return {};
    const pick = (t: LossTerms) => ctx.g.identity(this.reduction === 'perSample' ? t.perSample : t.perElement);
    return { perceptual: pick(terms.parts.perceptual), pixel: pick(terms.parts.pixel) };
  }

  /**
   * The denoising corruption x̃ of a batch (see {@link NoiseConfig}); x itself
   * without a noise option or outside training graphs. Public so tests and
   * tools can look at what the encoder is fed.
   */
  corruptInput(ctx: GraphBuildContext, x: Value): Value {
    const noise = this.noise;
    if (!noise || !ctx.training) return x;
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

  /** The code fed to the decoder while training; a VAE overrides it to sample. */
  protected trainingCode(_ctx: GraphBuildContext, e: Encoded): Value {
    return e.code;
  }

  /** Adds the sparsity and contractive penalties on the code (as labelled extra losses). */
  protected addPenalties(ctx: GraphBuildContext, code: Value, encoderInput: Value): void {
    if (this.sparsity) {
      const term = this.sparsity.type === 'l1'
        ? l1ActivityPenalty(code, this.sparsity.coefficient)
        : klSparsityPenalty(code, { rho: this.sparsity.rho, beta: this.sparsity.beta ?? 1 });
      ctx.addLoss(term, 'sparsity');
    }
    if (this.contractive !== undefined) ctx.addLoss(contractivePenalty(code, encoderInput, this.contractive), 'contractive');
    this.addContrastive(ctx, code);
  }

  /** Adds the contrastive term on a batch of codes when the option is set (a VAE calls it with μ). */
  protected addContrastive(ctx: GraphBuildContext, code: Value): void {
    if (this.contrastive) ctx.addLoss(uniformityPenalty(code, this.contrastive.weight, { t: this.contrastive.t }), 'contrastive');
  }

  /**
   * Training objective: loss = L(a(g(f(x̃))), x) + penalties, reduced per
   * element or per sample (see `reduction`). Metric `reconstruction` is the
   * reconstruction term alone; `sparsity`/`contractive` are reported by the
   * trainer as labelled extra losses.
   */
  buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> } {
    const input = this.corruptInput(ctx, x);
    const encoded = this.encodeGraph(ctx, input);
    const terms = this.reconstructionTerms(ctx, this.decodeGraph(ctx, this.trainingCode(ctx, encoded)), target);
    const loss = this.reduction === 'perSample' ? terms.perSample : terms.perElement;
    this.addPenalties(ctx, encoded.code, input);
    // A separate node, so the 'loss' and 'reconstruction' outputs never name the same value.
    return { loss, metrics: { reconstruction: ctx.g.identity(loss), ...this.termMetrics(ctx, terms) } };
  }

  parts(): Record<string, ModelPart> {
    return {
      model: { inputShape: this.inputShape, build: (ctx, x) => ({ reconstruction: this.activate(ctx, this.decodeGraph(ctx, this.encodeGraph(ctx, x).code)) }) },
      encoder: { inputShape: this.inputShape, build: (ctx, x) => this.encoderOutputs(this.encodeGraph(ctx, x)) },
      decoder: { inputShape: this.latentShape, build: (ctx, z) => ({ reconstruction: this.activate(ctx, this.decodeGraph(ctx, z)) }) },
      errors: { inputShape: this.inputShape, build: (ctx, x) => ({ errors: this.reconstructionTerms(ctx, this.decodeGraph(ctx, this.encodeGraph(ctx, x).code), x).samples }) },
    };
  }

  /** The JSON config: `className` and every field the constructor takes, defaults made explicit. */
  getConfig(): Record<string, unknown> {
    return {
      className: this.className,
      ...commonConfig({ inputShape: this.inputShape, loss: this.loss, perceptual: this.perceptual, outputActivation: this.outputActivation, reduction: this.reduction, noise: this.noise, sparsity: this.sparsity, contractive: this.contractive, contrastive: this.contrastive }),
      ...this.ownConfig(),
    };
  }

  // ----- The trainer behind the API -----

  /**
   * Sets the optimizer, seed, gradient clipping or session options, and starts
   * from fresh weights (as Keras' `compile` does before `fit`). Without a call,
   * the first use creates a trainer with Adam and seed 0.
   */
  compile(options: TrainerOptions = {}): this {
    checkTrainerOptions(options, 'compile');
    if (this.trainerInstance?.training) throw new Error('compile: this model is training; compile replaces its weights, so wait for fit to finish');
    this.trainerOptions = { ...options };
    this.trainerInstance = this.withFrozenWeights(Trainer.create(this, this.trainerOptions));
    return this;
  }

  /** The trainer holding this model's weights (created on first use). */
  get trainer(): Trainer {
    return (this.trainerInstance ??= this.withFrozenWeights(Trainer.create(this, this.trainerOptions)));
  }

  /**
   * Fills the perceptual classifier's tensors, which the trainer initialized
   * like any declared tensor, with the trained weights.
   */
  private withFrozenWeights(trainer: Trainer): Trainer {
    const p = this.perceptual;
    if (!p) return trainer;
    if (!p.weights) {
      throw new ConfigError('config.loss.classifier', 'holds the classifier\'s architecture but not its weights: give the directory of a saved ImageClassifier or an ImageClassifier, or load a saved model with AutoencoderModel.load');
    }
    const prefix = `${PERCEPTUAL_PREFIX}/`;
    for (const name of Object.keys(trainer.tensors)) {
      if (!name.startsWith(prefix)) continue;
      const w = p.weights.get(name.slice(prefix.length));
      const t = trainer.tensors[name]!;
      if (!w || w.shape.join() !== t.shape.join()) throw new Error(`perceptual loss: the classifier has no weight '${name.slice(prefix.length)}' of shape [${t.shape}]`);
      trainer.tensors[name] = { dtype: w.dtype, shape: [...w.shape], data: (w.data as Float32Array).slice() };
    }
    return trainer;
  }

  /** Trains on `data` (targets are the inputs), in memory or a file from `streamSource`; see {@link FitOptions}. */
  async fit(data: ModelData | StreamSource, opts: FitOptions = {}): Promise<FitResult> {
    return this.trainer.fit(asFitData(data, 'fit'), opts);
  }

  /** Mean loss and metrics over `data` (in memory or a file from `streamSource`), in inference mode (no corruption). */
  async evaluate(data: ModelData | StreamSource, opts: { batchSize?: number } = {}): Promise<EpochMetrics> {
    return this.trainer.evaluate(asFitData(data, 'evaluate'), opts);
  }

  private async runPart(part: string, input: Float32Array, output: string): Promise<Float32Array> {
    const out = await this.trainer.predict(input, { part });
    return out[output]!.data as Float32Array;
  }

  /** Codes h = f(x) for samples x [n, ...inputShape] (row after row); a VAE returns μ. Length n·|latent|. */
  encode(x: Float32Array): Promise<Float32Array> {
    return this.runPart('encoder', x, this.codeOutput);
  }

  /** Reconstructions x̂ = a(g(z)) of codes z [n, ...latentShape]. */
  decode(z: Float32Array): Promise<Float32Array> {
    return this.runPart('decoder', z, 'reconstruction');
  }

  /** x̂ = a(g(f(x))), clean input (no corruption), a VAE decoding μ. */
  reconstruct(x: Float32Array): Promise<Float32Array> {
    return this.runPart('model', x, 'reconstruction');
  }

  /**
   * Per-sample reconstruction errors e_n = Σ_features ℓ(x̂_n, x_n) with the
   * model's loss ℓ (squared error, absolute error or BCE), length n: anomaly scores.
   */
  reconstructionError(x: Float32Array): Promise<Float32Array> {
    return this.runPart('errors', x, 'errors');
  }

  /**
   * Decodes n draws z ~ N(0, I) of the latent shape from a seeded generator.
   * For a VAE these are samples from the prior, i.e. generated data; a plain
   * autoencoder has no prior, so the result is only as meaningful as its codes
   * are close to standard normal.
   */
  sample(n: number, seed = 0): Promise<Float32Array> {
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`sample: n must be a positive integer, got ${n}`);
    const rng = new Rng(seed);
    const z = new Float32Array(n * sizeOf(this.latentShape));
    for (let i = 0; i < z.length; i++) z[i] = rng.normal();
    return this.decode(z);
  }

  /**
   * Decodes `steps` points on the segment from zA to zB:
   * z_i = zA + t_i (zB − zA), t_i = i / (steps − 1), i = 0 … steps − 1.
   */
  interpolate(zA: Float32Array, zB: Float32Array, steps: number): Promise<Float32Array> {
    const k = sizeOf(this.latentShape);
    if (zA.length !== k || zB.length !== k) throw new Error(`interpolate: codes must have ${k} values (latent shape [${this.latentShape}]), got ${zA.length} and ${zB.length}`);
    if (!(Number.isInteger(steps) && steps >= 2)) throw new Error(`interpolate: steps must be an integer >= 2, got ${steps}`);
    const z = new Float32Array(steps * k);
    for (let i = 0; i < steps; i++) {
      const t = i / (steps - 1);
      for (let j = 0; j < k; j++) z[i * k + j] = zA[j]! + t * (zB[j]! - zA[j]!);
    }
    return this.decode(z);
  }

  /** Writes a standalone ONNX file of a part ('model', 'encoder', 'decoder' or 'errors') with the weights baked in. */
  exportOnnx(path: string, part = 'model'): void {
    this.trainer.exportOnnx(path, part);
  }

  /**
   * Saves the model to a directory: the trainer's checkpoint (config, weights,
   * optimizer state and progress, so training can resume) plus `model.json`,
   * the config alone.
   */
  save(dir: string): void {
    this.trainer.saveCheckpoint(dir, { 'model.json': JSON.stringify(this.getConfig(), null, 2) });
  }

  /**
   * Loads a model saved with `save`: rebuilds it from its config through the
   * model registry, then restores weights and optimizer state. Called on a
   * subclass (`VariationalAutoencoder.load`), it also checks the class.
   */
  static load<T extends AutoencoderModel>(this: { prototype: T; name: string }, dir: string, options: Omit<TrainerOptions, 'optimizer' | 'seed'> = {}): T {
    const files = openCheckpointDir(dir);
    // model.json is the config alone; a checkpoint written by fit({ checkpointDir }) has its copy in checkpoint.json.
    const fromModelJson = files.has('model.json');
    const file = files.path(fromModelJson ? 'model.json' : 'checkpoint.json');
    let config: unknown;
    try {
      const parsed = JSON.parse(files.read(fromModelJson ? 'model.json' : 'checkpoint.json').toString('utf8')) as unknown;
      config = fromModelJson ? parsed : (parsed as { model?: unknown } | null)?.model;
    } catch (e) {
      throw new CheckpointError(file, `not valid JSON (${(e as Error).message}); the file is damaged or truncated`);
    }
    let model: AutoencoderModel;
    try {
      model = modelFromConfig(config);
    } catch (e) {
      if (e instanceof ConfigError) throw new CheckpointError(file, e.message);
      throw e;
    }
    // `this` is the class load was called on; its prototype chain tells whether the saved model is one.
    if (!(this.prototype as object).isPrototypeOf(model)) throw new Error(`${dir}: holds a ${model.className}, not a ${this.name}`);
    model.trainerInstance = Trainer.resume(dir, model, options);
    // A saved config holds the classifier's architecture only; its weights came with the checkpoint.
    if (model.perceptual && !model.perceptual.weights) {
      const prefix = `${PERCEPTUAL_PREFIX}/`;
      model.perceptual.weights = new Map(Object.entries(model.trainerInstance.tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), { dtype: t.dtype, shape: [...t.shape], data: (t.data as Float32Array).slice() }]));
    }
    return model as T;
  }

  // ----- Summary -----

  /** Rows of the summary: one per layer, with its output shape and parameter count (running statistics included). */
  summaryRows(): SummaryRow[] {
    const rows: SummaryRow[] = [];
    for (const section of this.summarySections()) {
      let shape = section.inputShape;
      for (const layer of section.layers) {
        const g = new Graph();
        const ctx = new GraphBuildContext(g, false);
        // Building the layer alone in a scratch graph counts exactly the tensors it declares, nested layers included.
        layer.call(ctx, g.input('x', shape));
        shape = layer.computeOutputShape(shape);
        rows.push({ section: section.title, layer: layer.name, className: layer.className, outputShape: shape, params: ctx.specs.reduce((s, p) => s + sizeOf(p.shape), 0) });
      }
    }
    return rows;
  }

  /** Total number of parameter and state values. */
  countParams(): number {
    return this.summaryRows().reduce((s, r) => s + r.params, 0);
  }

  /** A printable table of layers, output shapes and parameter counts, Keras style. */
  summary(): string {
    const rows = this.summaryRows();
    const table = [['Layer (type)', 'Output shape', 'Params'], ...rows.map((r) => [`${r.section}/${r.layer} (${r.className})`, formatShape(r.outputShape), String(r.params)])];
    const widths = [0, 1, 2].map((i) => Math.max(...table.map((r) => r[i]!.length)));
    const line = (r: string[]) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}`;
    const rule = '-'.repeat(widths[0]! + widths[1]! + widths[2]! + 4);
    const extras = [
      this.noise ? `noise: ${JSON.stringify(this.noise)}` : '',
      this.sparsity ? `sparsity: ${JSON.stringify(this.sparsity)}` : '',
      this.contractive !== undefined ? `contractive: ${this.contractive}` : '',
      this.contrastive ? `contrastive: ${this.contrastive.weight} · uniformity (t = ${this.contrastive.t})` : '',
      this.perceptual ? `perceptual: ${this.perceptual.weight} · classifier features [${this.perceptual.layers.join(', ')}] + ${this.perceptual.pixelWeight} · ${this.loss}` : '',
    ].filter(Boolean);
    return [
      `Model: ${this.className}  input [${this.inputShape}]  latent [${this.latentShape}]  loss ${this.loss} (${this.reduction})`,
      rule, line(table[0]!), rule, ...table.slice(1).map(line), rule,
      `Total params: ${rows.reduce((s, r) => s + r.params, 0)}`,
      ...extras,
    ].join('\n');
  }
}

export { ConfigError, positiveInt, positiveInts };

/** The arrays (or file source) a model trains on, checked to be one before anything reads it. */
function asFitData(data: ModelData | StreamSource, what: string): ArrayData | StreamSource {
  if (isStreamSource(data)) return data;
  if (typeof data !== 'object' || data === null) {
    throw new TypeError(`${what}: expected data { x: Float32Array, shape: [n, ...] } (a Dataset) or a streamSource(...), got ${data === null ? 'null' : typeof data}`);
  }
  return { x: data.x, shape: data.shape };
}

/**
 * A model whose encoder and decoder are layer stacks: code = encoder(x),
 * x̂ = decoder(code). Dense, conv and recurrent autoencoders share this.
 */
export abstract class StackedAutoencoderModel extends AutoencoderModel {
  abstract readonly encoder: Sequential;
  abstract readonly decoder: Sequential;

  protected encodeGraph(ctx: GraphBuildContext, x: Value): Encoded {
    return { code: this.encoder.call(ctx, x) };
  }

  protected decodeGraph(ctx: GraphBuildContext, z: Value): Value {
    return this.decoder.call(ctx, z);
  }

  protected summarySections(): SummarySection[] {
    return [
      { title: 'encoder', inputShape: ['N', ...this.inputShape], layers: this.encoder.layers },
      { title: 'decoder', inputShape: ['N', ...this.latentShape], layers: this.decoder.layers },
    ];
  }
}
