import { type Value } from '../graph/graph.js';
import { sizeOf } from '../graph/types.js';
import { type ActivationName } from '../layers/activations.js';
import { type GraphBuildContext, type Layer } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { Flatten, Reshape } from '../layers/reshaping.js';
import { Sequential } from '../layers/wrappers.js';
import { ganLosses } from '../losses/index.js';
import { type DiscriminatorObjective, type ModelPart } from '../train/model.js';
import {
  AutoencoderModel, COMMON_FIELDS, type CommonConfig, type Encoded, type SummarySection, fieldsOf, parseCommon, registerModel,
} from './base.js';
import { ConfigError, activationName, numberIn, objectOf, opt, positiveInt, positiveInts, req } from './config.js';

/** The discriminator on codes of an {@link AdversarialAutoencoder}. */
export interface CodeDiscriminatorConfig {
  /** Hidden units of its dense layers, e.g. [256, 256] (a last unit, the logit, is added). Default [256, 256]. */
  sizes?: number[];
  /** Default 'relu'. */
  activation?: ActivationName;
}

/** Config of an adversarial autoencoder (also its constructor's argument). */
export interface AdversarialAutoencoderConfig extends Omit<CommonConfig, 'sparsity' | 'contractive'> {
  /** Code size k; the prior is N(0, Iₖ). */
  latentDim: number;
  encoder: {
    /** Hidden units before the (linear) code layer, e.g. [512, 256]. */
    sizes: number[];
    /** Default 'relu'. */
    activation?: ActivationName;
  };
  decoder?: {
    /** Hidden units (default: the encoder's sizes reversed); an output layer of the input's size is added. */
    sizes?: number[];
  };
  discriminator?: CodeDiscriminatorConfig;
  /**
   * Weight λ of the generator's adversarial term (the encoder fooling the
   * discriminator) against the reconstruction loss. Default 1.
   */
  adversarialWeight?: number;
}

/** Dense hidden layers then one linear logit, named `discriminator_*` (the trainer's discriminator owns these). */
export function denseDiscriminator(prefix: string, sizes: readonly number[], activation: ActivationName): Sequential {
  const layers: Layer[] = sizes.map((units, i) => new Dense({ name: `${prefix}_${i}`, units, activation }));
  layers.push(new Dense({ name: `${prefix}_logit`, units: 1 }));
  return new Sequential({ name: prefix, layers });
}

/**
 * Adversarial autoencoder (Makhzani, Shlens, Jaitly, Goodfellow & Frey, 2015).
 * A deterministic encoder q(z|x) maps x to a code z ∈ ℝᵏ, a decoder maps z back,
 * and a discriminator D on codes tells codes of data from draws of the prior
 * p(z) = N(0, I). Each training step updates, from one forward pass,
 *
 *   the autoencoder on   L_rec(x̂, x) + λ · BCE(D(z), 1)   (reconstruct, and fool D),
 *   the discriminator on BCE(D(z'), 1) + BCE(D(z), 0),  z' ~ N(0, I),
 *
 * each with its own optimizer (`compile({ optimizer, discriminatorOptimizer })`),
 * so the aggregated posterior q(z) = E_x q(z|x) is pushed to the prior and
 * decoding prior draws generates data: `sample(n)` decodes z ~ N(0, I), and
 * `interpolate` walks between codes. The prior draws come from ONNX Runtime's
 * seeded RandomNormalLike, fresh at every step.
 *
 * Metrics: `reconstruction`, `adversarial` (the generator's term, unweighted),
 * `discriminatorLoss` and `discriminatorAccuracy`. Parts: the standard ones,
 * plus `discriminator` (code → probability that it is a prior draw).
 */
export class AdversarialAutoencoder extends AutoencoderModel {
  readonly className = 'AdversarialAutoencoder';
  readonly latentDim: number;
  readonly latentShape: number[];
  readonly adversarialWeight: number;
  readonly encoderConfig: { sizes: number[]; activation: ActivationName };
  readonly decoderConfig: { sizes: number[] };
  readonly discriminatorConfig: Required<CodeDiscriminatorConfig>;
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly discriminator: Sequential;

  constructor(config: AdversarialAutoencoderConfig) {
    const c = fieldsOf(config, [...COMMON_FIELDS, 'latentDim', 'encoder', 'decoder', 'discriminator', 'adversarialWeight']);
    for (const field of ['sparsity', 'contractive']) {
      if (c[field] !== undefined) throw new ConfigError(`config.${field}`, 'not supported by AdversarialAutoencoder (its discriminator already regularizes the code)');
    }
    super(parseCommon(c, 'config', { loss: 'bce', reduction: 'perSample' }));
    this.rejectAdversarial();
    this.latentDim = req(c, 'latentDim', 'config', positiveInt);
    this.latentShape = [this.latentDim];
    this.adversarialWeight = opt(c, 'adversarialWeight', 'config', (v, p) => numberIn(v, p, 0, Infinity), 1);
    const enc = objectOf(req(c, 'encoder', 'config', (v) => v), 'config.encoder', ['sizes', 'activation']);
    const sizes = req(enc, 'sizes', 'config.encoder', (v, p) => positiveInts(v, p, true));
    const activation = opt(enc, 'activation', 'config.encoder', activationName, 'relu');
    const dec = c.decoder === undefined ? {} : objectOf(c.decoder, 'config.decoder', ['sizes']);
    const decSizes = opt(dec, 'sizes', 'config.decoder', (v, p) => positiveInts(v, p, true), [...sizes].reverse());
    const disc = c.discriminator === undefined ? {} : objectOf(c.discriminator, 'config.discriminator', ['sizes', 'activation']);
    this.discriminatorConfig = {
      sizes: opt(disc, 'sizes', 'config.discriminator', (v, p) => positiveInts(v, p, true), [256, 256]),
      activation: opt(disc, 'activation', 'config.discriminator', activationName, 'relu'),
    };
    this.encoderConfig = { sizes, activation };
    this.decoderConfig = { sizes: decSizes };
    const encLayers: Layer[] = this.inputShape.length > 1 ? [new Flatten({ name: 'encoder_flatten' })] : [];
    sizes.forEach((units, i) => encLayers.push(new Dense({ name: `encoder_${i}`, units, activation })));
    encLayers.push(new Dense({ name: 'code', units: this.latentDim }));
    const decLayers: Layer[] = decSizes.map((units, i) => new Dense({ name: `decoder_${i}`, units, activation }));
    decLayers.push(new Dense({ name: 'decoder_output', units: sizeOf(this.inputShape) }));
    if (this.inputShape.length > 1) decLayers.push(new Reshape({ name: 'decoder_reshape', targetShape: this.inputShape }));
    this.encoder = new Sequential({ name: 'encoder', layers: encLayers });
    this.decoder = new Sequential({ name: 'decoder', layers: decLayers });
    this.discriminator = denseDiscriminator('discriminator', this.discriminatorConfig.sizes, this.discriminatorConfig.activation);
  }

  protected encodeGraph(ctx: GraphBuildContext, x: Value): Encoded {
    return { code: this.encoder.call(ctx, x) };
  }

  protected decodeGraph(ctx: GraphBuildContext, z: Value): Value {
    return this.decoder.call(ctx, z);
  }

  override buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value>; discriminator: DiscriminatorObjective } {
    const { g } = ctx;
    const code = this.encodeGraph(ctx, this.corruptInput(ctx, x)).code;
    const terms = this.reconstructionTerms(ctx, this.decodeGraph(ctx, code), target);
    const reconstruction = this.reduction === 'perSample' ? terms.perSample : terms.perElement;
    const gan = ganLosses(this.discriminator.call(ctx, g.randomNormalLike(code)), this.discriminator.call(ctx, code));
    this.addContrastive(ctx, code);
    return {
      loss: g.add(reconstruction, g.mul(gan.generator, this.adversarialWeight)),
      metrics: { reconstruction: g.identity(reconstruction), adversarial: gan.generator, discriminatorAccuracy: gan.accuracy, ...this.termMetrics(ctx, terms) },
      discriminator: { loss: gan.discriminator, owns: (name) => name.startsWith('discriminator') },
    };
  }

  /** The standard parts, plus `discriminator`: codes → the probability D gives them of being prior draws. */
  override parts(): Record<string, ModelPart> {
    return {
      ...super.parts(),
      discriminator: { inputShape: this.latentShape, build: (ctx, z) => ({ probability: ctx.g.sigmoid(this.discriminator.call(ctx, z)) }) },
    };
  }

  protected summarySections(): SummarySection[] {
    return [
      { title: 'encoder', inputShape: ['N', ...this.inputShape], layers: this.encoder.layers },
      { title: 'decoder', inputShape: ['N', ...this.latentShape], layers: this.decoder.layers },
      { title: 'discriminator', inputShape: ['N', ...this.latentShape], layers: this.discriminator.layers },
    ];
  }

  protected ownConfig(): Record<string, unknown> {
    return {
      latentDim: this.latentDim, adversarialWeight: this.adversarialWeight,
      encoder: { ...this.encoderConfig }, decoder: { ...this.decoderConfig }, discriminator: { ...this.discriminatorConfig, sizes: [...this.discriminatorConfig.sizes] },
    };
  }
}

registerModel('AdversarialAutoencoder', (c) => new AdversarialAutoencoder(c as unknown as AdversarialAutoencoderConfig));
