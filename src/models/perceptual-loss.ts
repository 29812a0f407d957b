/**
 * The perceptual reconstruction loss as a model config option: parsing and
 * writing the `loss: { type: 'perceptual', ... }` field, building the loss
 * terms in a model's graph, and moving the frozen classifier's weights in and
 * out of the model's trainer. The graph-level loss itself is
 * `perceptualLoss` in src/losses/perceptual.ts; this file is the part that
 * knows about {@link ImageClassifier}.
 */
import { type TensorData, sizeOf } from '../graph/types.js';
import { type Value } from '../graph/graph.js';
import { applyActivation, type ActivationName } from '../layers/activations.js';
import { type GraphBuildContext } from '../layers/core.js';
import { type LossName, type LossTerms } from '../losses/index.js';
import { PERCEPTUAL_PREFIX, addTerms, perceptualLoss, scaleTerms } from '../losses/perceptual.js';
import { type Trainer } from '../train/trainer.js';
import { ImageClassifier } from './classifier.js';
import { ConfigError, numberIn, objectOf, oneOf, opt, req } from './config.js';

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

export function parsePerceptual(v: unknown, path: string, inputShape: number[], defaultPixel: LossName): { perceptual: PerceptualLoss; pixelLoss: LossName } {
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
export function perceptualConfig(p: PerceptualLoss, pixelLoss: LossName): Record<string, unknown> {
  return { type: 'perceptual', classifier: p.classifier.getConfig(), layers: [...p.layers], weight: p.weight, pixelLoss, pixelWeight: p.pixelWeight };
}

/**
 * The reconstruction terms with a perceptual loss: weight · perceptual +
 * pixelWeight · pixel, the perceptual term computed on x̂ = a(logits), with
 * both unweighted terms in `parts`. `inputShape` is the model's per-sample
 * shape (samples are reshaped to the classifier's when they differ).
 */
export function perceptualTerms(ctx: GraphBuildContext, p: PerceptualLoss, logits: Value, target: Value, pixel: LossTerms, outputActivation: ActivationName, inputShape: readonly number[]): ReconstructionTerms {
  const perceptual = perceptualLoss(ctx, applyActivation(ctx, logits, outputActivation), target, {
    network: p.classifier.network.layers,
    layers: p.layers,
    prefix: PERCEPTUAL_PREFIX,
    ...(inputShape.join() !== p.classifier.inputShape.join() ? { inputShape: p.classifier.inputShape } : {}),
  });
  const total = p.pixelWeight > 0 ? addTerms(scaleTerms(perceptual, p.weight), scaleTerms(pixel, p.pixelWeight)) : scaleTerms(perceptual, p.weight);
  return { ...total, parts: { perceptual, pixel } };
}

/**
 * Fills the classifier's tensors, which a new trainer initialized like any
 * declared tensor, with the trained weights.
 */
export function fillFrozenWeights(trainer: Trainer, p: PerceptualLoss): Trainer {
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

/** The classifier's weights as a resumed trainer holds them (a saved config has the architecture only; the weights travel in the checkpoint). */
export function frozenWeightsOf(trainer: Trainer): Map<string, TensorData> {
  const prefix = `${PERCEPTUAL_PREFIX}/`;
  return new Map(Object.entries(trainer.tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), { dtype: t.dtype, shape: [...t.shape], data: (t.data as Float32Array).slice() }]));
}
