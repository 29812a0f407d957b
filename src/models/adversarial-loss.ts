/**
 * The adversarial reconstruction loss as a model config option
 * (`loss: { type: 'adversarial', ... }`): parsing and writing the field, the
 * small convolutional discriminator on images it trains, and its terms in a
 * model's objective. The GAN losses themselves are `ganLosses` in
 * src/losses/adversarial.ts.
 */
import { type Value } from '../graph/graph.js';
import { sizeOf } from '../graph/types.js';
import { type GraphBuildContext, type Layer } from '../layers/core.js';
import { Conv2D } from '../layers/conv.js';
import { Dense } from '../layers/dense.js';
import { Flatten } from '../layers/reshaping.js';
import { Sequential } from '../layers/wrappers.js';
import { type LossName, ganLosses } from '../losses/index.js';
import { type DiscriminatorObjective } from '../train/model.js';
import { ConfigError, numberIn, objectOf, opt, positiveInts } from './config.js';
import { type PerceptualLossConfig } from './perceptual-loss.js';

/** Prefix of the image discriminator's layers (and so of its parameters). */
export const IMAGE_DISCRIMINATOR = 'image_discriminator';

/**
 * Adversarial reconstruction loss (config field `loss`): a small
 * convolutional discriminator D learns to tell the training images from
 * their reconstructions, and the autoencoder is trained on
 *
 *   L = L_base(x̂, x) + weight · BCE(D(x̂), 1)
 *
 * (the non-saturating GAN loss: make reconstructions that D takes for real),
 * while D, with its own optimizer (`discriminatorOptimizer`), minimizes
 * BCE(D(x), 1) + BCE(D(x̂), 0), in the same training step. Pixel losses
 * average away uncertainty into blur; the adversarial term penalizes blur as
 * "not like the data", for sharper reconstructions (as in the VAE-GAN of
 * Larsen et al. 2016 and the pix2pix L1 + GAN objective of Isola et al. 2017).
 *
 * Metrics: `reconstruction` (L_base), `adversarial` (the unweighted term),
 * `discriminatorLoss`, `discriminatorAccuracy`. D's weights are trained and
 * saved with the model but belong to no inference part.
 */
export interface AdversarialLossConfig {
  type: 'adversarial';
  /** Weight of the adversarial term, ≥ 0. Default 0.01 (against a per-element pixel loss). */
  weight?: number;
  /** The loss it is added to: a pixel loss name or a perceptual loss. Default: the model's default loss. */
  base?: LossName | PerceptualLossConfig;
  discriminator?: {
    /** Filters of its 3×3 stride-2 convolutions (leaky ReLU, α = 0.2), then one dense logit. Default [32, 64]. */
    filters?: number[];
    /**
     * [channels, height, width] the samples are seen as. Default: the model's
     * inputShape when it has rank 3, else [1, s, s] for a flat input of s² values.
     */
    imageShape?: number[];
  };
}

/** A validated adversarial loss. */
export interface AdversarialLoss {
  weight: number;
  filters: number[];
  imageShape: [number, number, number];
  /** The discriminator's layers (conv levels, flatten, logit). */
  network: Sequential;
}

function defaultImageShape(inputShape: readonly number[], path: string): [number, number, number] {
  if (inputShape.length === 3) return [inputShape[0]!, inputShape[1]!, inputShape[2]!];
  const n = sizeOf(inputShape);
  const s = Math.round(Math.sqrt(n));
  if (s * s !== n) throw new ConfigError(`${path}.discriminator.imageShape`, `needed: the inputShape [${inputShape}] is neither [channels, height, width] nor s² values; give [channels, height, width]`);
  return [1, s, s];
}

/** The discriminator network of an adversarial loss. */
function discriminatorNetwork(filters: readonly number[]): Sequential {
  const layers: Layer[] = filters.map((f, i) => new Conv2D({ name: `${IMAGE_DISCRIMINATOR}_conv_${i}`, filters: f, kernelSize: 3, strides: 2, padding: 'same', activation: { name: 'leakyRelu', alpha: 0.2 } }));
  layers.push(new Flatten({ name: `${IMAGE_DISCRIMINATOR}_flatten` }), new Dense({ name: `${IMAGE_DISCRIMINATOR}_logit`, units: 1 }));
  return new Sequential({ name: IMAGE_DISCRIMINATOR, layers });
}

/**
 * Parses `loss: { type: 'adversarial', ... }`; returns the adversarial part and
 * the base loss as given (a name or a perceptual config), for the caller to
 * parse as it parses any `loss`.
 */
export function parseAdversarial(v: unknown, path: string, inputShape: readonly number[]): { adversarial: AdversarialLoss; base: unknown } {
  const o = objectOf(v, path, ['type', 'weight', 'base', 'discriminator']);
  if (o.type !== 'adversarial') throw new ConfigError(`${path}.type`, `expected 'adversarial' or 'perceptual' (or give loss as one of 'mse', 'mae', 'bce'), got ${JSON.stringify(o.type)}`);
  if (o.base !== null && typeof o.base === 'object' && (o.base as { type?: unknown }).type === 'adversarial') throw new ConfigError(`${path}.base`, 'cannot itself be adversarial');
  const weight = opt(o, 'weight', path, (x, p) => numberIn(x, p, 0, Infinity), 0.01);
  const d = o.discriminator === undefined ? {} : objectOf(o.discriminator, `${path}.discriminator`, ['filters', 'imageShape']);
  const filters = opt(d, 'filters', `${path}.discriminator`, (x, p) => positiveInts(x, p, true), [32, 64]);
  const imageShape = opt(d, 'imageShape', `${path}.discriminator`, (x, p) => {
    const s = positiveInts(x, p, true);
    if (s.length !== 3 || sizeOf(s) !== sizeOf(inputShape)) throw new ConfigError(p, `expected [channels, height, width] holding the ${sizeOf(inputShape)} values of inputShape [${inputShape}], got [${s}]`);
    return s as [number, number, number];
  }, defaultImageShape(inputShape, path));
  return { adversarial: { weight, filters, imageShape, network: discriminatorNetwork(filters) }, base: o.base };
}

/** The `loss` field of a config with an adversarial loss, around its base loss's field. */
export function adversarialConfig(a: AdversarialLoss, base: unknown): Record<string, unknown> {
  return { type: 'adversarial', weight: a.weight, base, discriminator: { filters: [...a.filters], imageShape: [...a.imageShape] } };
}

/**
 * The adversarial terms for reconstructions x̂ (after the output activation)
 * and their targets: the generator's term, already weighted, the metrics,
 * and the discriminator's objective for the trainer.
 */
export function adversarialTerms(ctx: GraphBuildContext, a: AdversarialLoss, reconstruction: Value, target: Value): { term: Value; metrics: Record<string, Value>; discriminator: DiscriminatorObjective } {
  const { g } = ctx;
  const image = (v: Value) => g.reshape(v, [v.shape[0]!, ...a.imageShape]);
  const gan = ganLosses(a.network.call(ctx, image(target)), a.network.call(ctx, image(reconstruction)));
  return {
    term: g.mul(gan.generator, a.weight),
    metrics: { adversarial: gan.generator, discriminatorAccuracy: gan.accuracy },
    discriminator: { loss: gan.discriminator, owns: (name) => name.startsWith(`${IMAGE_DISCRIMINATOR}_`) },
  };
}
