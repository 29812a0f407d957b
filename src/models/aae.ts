import { type StreamSource, isStreamSource } from '../data/source.js';
import { type Value } from '../graph/graph.js';
import { sizeOf } from '../graph/types.js';
import { type ActivationName } from '../layers/activations.js';
import { type GraphBuildContext, type Layer } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { Flatten, Reshape } from '../layers/reshaping.js';
import { Sequential } from '../layers/wrappers.js';
import { ganLosses } from '../losses/index.js';
import { type EpochMetrics } from '../train/loop.js';
import { type DiscriminatorObjective, type ModelPart } from '../train/model.js';
import { type ArrayData, type FitOptions, type FitResult } from '../train/trainer.js';
import {
  AutoencoderModel, COMMON_FIELDS, type CommonConfig, type Encoded, type SummarySection, fieldsOf, parseCommon, registerModel,
} from './base.js';
import { ConfigError, activationName, numberIn, objectOf, opt, positiveInt, positiveInts, req } from './config.js';
import { type MixturePrior, type PriorConfig, type ResolvedPrior, drawPrior, labelRows, mixtureDrawsGraph, parsePrior, priorConfig } from './mixture-prior.js';

/** The discriminator on codes of an {@link AdversarialAutoencoder}. */
export interface CodeDiscriminatorConfig {
  /** Hidden units of its dense layers, e.g. [256, 256] (a last unit, the logit, is added). Default [256, 256]. */
  sizes?: number[];
  /** Default 'relu'. */
  activation?: ActivationName;
}

/** Config of an adversarial autoencoder (also its constructor's argument). */
export interface AdversarialAutoencoderConfig extends Omit<CommonConfig, 'sparsity' | 'contractive'> {
  /** Code size k. */
  latentDim: number;
  /**
   * The prior the codes are pushed to: N(0, Iₖ) (default), or a mixture with one
   * Gaussian per class, whose discriminator also reads each sample's label
   * (the supervised and semi-supervised AAE; see {@link MixturePriorConfig}).
   */
  prior?: PriorConfig;
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
 * With `prior: { type: 'mixture', components: K }` the prior is a mixture with
 * one Gaussian per class and the discriminator reads each code together with
 * its sample's label state (a one-hot class, or "no label"), so it tells
 * codes from draws *of that class's component*: labelled codes are pushed to
 * their class's component, unlabelled ones to the whole mixture. `fit` takes
 * the labels from the data (`{ x, shape, labels }`, a Dataset's classes, −1
 * for no label), keeps a `labelledFraction` of them, and `sample(n, { label })`
 * decodes draws of one class's component.
 *
 * Metrics: `reconstruction`, `adversarial` (the generator's term, unweighted),
 * `discriminatorLoss` and `discriminatorAccuracy`. Parts: the standard ones,
 * plus `discriminator` (code, followed for a mixture prior by the K + 1 label
 * states → probability that it is a prior draw).
 */
export class AdversarialAutoencoder extends AutoencoderModel {
  readonly className = 'AdversarialAutoencoder';
  readonly latentDim: number;
  readonly latentShape: number[];
  readonly adversarialWeight: number;
  readonly prior: ResolvedPrior;
  /** With a mixture prior, [|x| + K + 1]: each target row is the flat sample, then its label state (see `fit`). */
  readonly targetShape?: number[];
  readonly encoderConfig: { sizes: number[]; activation: ActivationName };
  readonly decoderConfig: { sizes: number[] };
  readonly discriminatorConfig: Required<CodeDiscriminatorConfig>;
  readonly encoder: Sequential;
  readonly decoder: Sequential;
  readonly discriminator: Sequential;

  constructor(config: AdversarialAutoencoderConfig) {
    const c = fieldsOf(config, [...COMMON_FIELDS, 'latentDim', 'prior', 'encoder', 'decoder', 'discriminator', 'adversarialWeight']);
    for (const field of ['sparsity', 'contractive']) {
      if (c[field] !== undefined) throw new ConfigError(`config.${field}`, 'not supported by AdversarialAutoencoder (its discriminator already regularizes the code)');
    }
    super(parseCommon(c, 'config', { loss: 'bce', reduction: 'perSample' }));
    this.rejectAdversarial();
    this.latentDim = req(c, 'latentDim', 'config', positiveInt);
    this.latentShape = [this.latentDim];
    this.prior = parsePrior(c.prior, 'config.prior', this.latentDim);
    if (this.prior.type === 'mixture') this.targetShape = [sizeOf(this.inputShape) + this.prior.components + 1];
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

  /** The mixture prior, when the model has one. */
  get mixture(): MixturePrior | undefined {
    return this.prior.type === 'mixture' ? this.prior : undefined;
  }

  override buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value>; discriminator: DiscriminatorObjective } {
    const { g } = ctx;
    const code = this.encodeGraph(ctx, this.corruptInput(ctx, x)).code;
    const mixture = this.mixture;
    const size = sizeOf(this.inputShape);
    // A mixture prior's targets carry the label states after the flat sample.
    const labels = mixture ? g.slice(target, [size], [size + mixture.components + 1], [1]) : undefined;
    const image = mixture ? g.reshape(g.slice(target, [0], [size], [1]), ['N', ...this.inputShape]) : target;
    const terms = this.reconstructionTerms(ctx, this.decodeGraph(ctx, code), image);
    const reconstruction = this.reduction === 'perSample' ? terms.perSample : terms.perElement;
    const judge = (z: Value) => this.discriminator.call(ctx, labels ? g.concat([z, labels], 1) : z);
    const prior = mixture ? mixtureDrawsGraph(mixture, labels!, code) : g.randomNormalLike(code);
    const gan = ganLosses(judge(prior), judge(code));
    this.addContrastive(ctx, code);
    return {
      loss: g.add(reconstruction, g.mul(gan.generator, this.adversarialWeight)),
      metrics: { reconstruction: g.identity(reconstruction), adversarial: gan.generator, discriminatorAccuracy: gan.accuracy, ...this.termMetrics(ctx, terms) },
      discriminator: { loss: gan.discriminator, owns: (name) => name.startsWith('discriminator') },
    };
  }

  /** Per-sample input of the discriminator: the code, then with a mixture prior the K + 1 label states. */
  get discriminatorInputShape(): number[] {
    return [this.latentDim + (this.mixture ? this.mixture.components + 1 : 0)];
  }

  /** The standard parts, plus `discriminator`: codes (and label states) → the probability D gives them of being prior draws. */
  override parts(): Record<string, ModelPart> {
    return {
      ...super.parts(),
      discriminator: { inputShape: this.discriminatorInputShape, build: (ctx, z) => ({ probability: ctx.g.sigmoid(this.discriminator.call(ctx, z)) }) },
    };
  }

  /**
   * Trains on `data`. With a mixture prior the data must be arrays in memory
   * and may carry `labels` (class indices in [0, K), −1 for no label; a
   * Dataset's classes): the labels of a `labelledFraction` of the samples
   * (spread evenly, the same ones at every call) go to the discriminator, the
   * others count as unlabelled; without labels every sample is unlabelled.
   * `validationData` may carry labels too (all of them are used).
   */
  override fit(data: LabelledData | StreamSource, opts: FitOptions = {}): Promise<FitResult> {
    const mixture = this.mixture;
    if (!mixture) return super.fit(data, opts);
    const { validationData, ...rest } = opts;
    if (mixture.labelledRepeats > 1 && opts.validationSplit) throw new Error('fit: validationSplit would hold out repeats of labelled training samples (prior.labelledRepeats > 1); pass validationData instead');
    return this.trainer.fit(this.withLabels(data, mixture.labelledFraction, 'fit', mixture.labelledRepeats), {
      ...rest, ...(validationData ? { validationData: this.withLabels(validationData as LabelledData, 1, 'fit: validationData') } : {}),
    });
  }

  /** Mean loss and metrics over `data`; with a mixture prior its `labels` (all of them) go to the discriminator. */
  override evaluate(data: LabelledData | StreamSource, opts: { batchSize?: number } = {}): Promise<EpochMetrics> {
    if (!this.mixture) return super.evaluate(data, opts);
    return this.trainer.evaluate(this.withLabels(data, 1, 'evaluate'), opts);
  }

  /**
   * What `fit` trains on with a mixture prior: the samples with targets whose
   * rows are the flat sample then its label state, the labels thinned to
   * `labelledFraction`, and the labelled rows repeated `labelledRepeats` − 1
   * more times after them.
   */
  trainingData(data: LabelledData | StreamSource): ArrayData {
    const mixture = this.mixture;
    if (!mixture) throw new Error('trainingData: only a mixture prior gives the trainer targets of its own');
    return this.withLabels(data, mixture.labelledFraction, 'fit', mixture.labelledRepeats);
  }

  private withLabels(data: LabelledData | StreamSource, fraction: number, what: string, repeats = 1): ArrayData {
    const mixture = this.mixture!;
    if (isStreamSource(data)) throw new Error(`${what}: an AdversarialAutoencoder with a mixture prior trains on arrays in memory ({ x, shape, labels }), not a file stream (its targets carry the labels)`);
    if (typeof data !== 'object' || data === null || !(data.x instanceof Float32Array) || !Array.isArray(data.shape)) {
      throw new TypeError(`${what}: expected data { x: Float32Array, shape: [n, ...], labels? } (a Dataset)`);
    }
    const n = data.shape[0]!;
    const size = sizeOf(this.inputShape);
    if (data.x.length !== n * size) throw new Error(`${what}: x has ${data.x.length} values, expected ${n} samples of ${size} (input shape [${this.inputShape}])`);
    const k = mixture.components + 1;
    const rows = labelRows(data.labels, n, mixture.components, fraction, what);
    const order = Array.from({ length: n }, (_, i) => i);
    const labelled = order.filter((i) => rows[i * k + k - 1] === 0);
    for (let r = 1; r < repeats; r++) order.push(...labelled);
    const m = order.length;
    const x = m === n ? data.x : new Float32Array(m * size);
    const target = new Float32Array(m * (size + k));
    order.forEach((i, j) => {
      const sample = data.x.subarray(i * size, (i + 1) * size);
      if (x !== data.x) x.set(sample, j * size);
      target.set(sample, j * (size + k));
      target.set(rows.subarray(i * k, (i + 1) * k), j * (size + k) + size);
    });
    return { x, shape: [m, ...data.shape.slice(1)], target, targetShape: [m, size + k] };
  }

  /**
   * n codes drawn from the prior (seeded): N(0, I), or the mixture, from the
   * component of class `label` when given, else from a uniformly chosen one.
   */
  priorCodes(n: number, options: { seed?: number; label?: number } = {}): Float32Array {
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`sample: n must be a positive integer, got ${n}`);
    return drawPrior(this.prior, this.latentDim, n, options.seed ?? 0, options.label);
  }

  /**
   * Decodes n draws of the prior ({@link priorCodes}); `sample(n, { label: 3 })`
   * generates class 3 from a mixture prior's component. A number is the seed.
   */
  override sample(n: number, options: number | { seed?: number; label?: number } = 0): Promise<Float32Array> {
    return this.decode(this.priorCodes(n, typeof options === 'number' ? { seed: options } : options));
  }

  protected summarySections(): SummarySection[] {
    return [
      { title: 'encoder', inputShape: ['N', ...this.inputShape], layers: this.encoder.layers },
      { title: 'decoder', inputShape: ['N', ...this.latentShape], layers: this.decoder.layers },
      { title: 'discriminator', inputShape: ['N', ...this.discriminatorInputShape], layers: this.discriminator.layers },
    ];
  }

  protected ownConfig(): Record<string, unknown> {
    return {
      latentDim: this.latentDim, prior: priorConfig(this.prior), adversarialWeight: this.adversarialWeight,
      encoder: { ...this.encoderConfig }, decoder: { ...this.decoderConfig }, discriminator: { ...this.discriminatorConfig, sizes: [...this.discriminatorConfig.sizes] },
    };
  }
}

/** Arrays to train on, with optional class labels (a Dataset fits): see `AdversarialAutoencoder.fit`. */
export type LabelledData = ArrayData & { labels?: ArrayLike<number> };

registerModel('AdversarialAutoencoder', (c) => new AdversarialAutoencoder(c as unknown as AdversarialAutoencoderConfig));
