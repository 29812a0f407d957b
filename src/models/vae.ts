import { type Value } from '../graph/graph.js';
import { type Dim, joinDim, sizeOf, splitDim } from '../graph/types.js';
import { type ActivationName } from '../layers/activations.js';
import { type GraphBuildContext, type Layer } from '../layers/core.js';
import { Conv2D, Conv2DTranspose } from '../layers/conv.js';
import { Dense } from '../layers/dense.js';
import { Flatten, Reshape } from '../layers/reshaping.js';
import { Sequential } from '../layers/wrappers.js';
import { binaryCrossEntropyWithLogits, klDivergenceGaussian } from '../losses/index.js';
import { type ModelPart } from '../train/model.js';
import {
  AutoencoderModel, COMMON_FIELDS, type CommonConfig, type Encoded, type SummarySection, fieldsOf, parseCommon, registerModel,
} from './base.js';
import { ConfigError, activationName, numberIn, objectOf, oneOf, opt, positiveInt, positiveInts, req } from './config.js';
import { checkLevels, imageShape } from './conv.js';

/** Dense encoder body of a VAE. */
export interface VaeDenseEncoder {
  type: 'dense';
  /** Hidden units before the μ and log σ² heads, e.g. [512, 256]. */
  sizes: number[];
  /** Default 'relu'. */
  activation?: ActivationName;
}

/** Convolutional encoder body of a VAE: stride-2 'same' convolutions, then flattening. Input [C, H, W]. */
export interface VaeConvEncoder {
  type: 'conv';
  /** Filters per level; each halves H and W, e.g. [32, 64]. */
  filters: number[];
  /** Default 3. */
  kernelSize?: number;
  /** Default 'relu'. */
  activation?: ActivationName;
}

/** Config of a variational autoencoder (also its constructor's argument). */
export interface VariationalAutoencoderConfig extends Omit<CommonConfig, 'sparsity' | 'contractive'> {
  /** Dimension k of the latent Gaussian. */
  latentDim: number;
  /** Weight β of the KL term (β-VAE). Default 1. */
  beta?: number;
  /**
   * k ≥ 1: train on the importance-weighted bound of Burda, Grosse &
   * Salakhutdinov (IWAE, 2016) with k samples per input instead of the ELBO
   * (see the class TSDoc). Default 1: the plain VAE objective. k > 1 needs
   * loss 'bce' (a Bernoulli decoder, whose likelihood the bound weighs) and β = 1.
   */
  importanceSamples?: number;
  encoder: VaeDenseEncoder | VaeConvEncoder;
  decoder?: {
    /** Dense variant: hidden units (default: the encoder's sizes reversed). */
    sizes?: number[];
    /** Conv variant: filters per transposed-conv level (default: the encoder's filters reversed). */
    filters?: number[];
  };
}

/**
 * Variational autoencoder (Kingma & Welling). The encoder body ends in two
 * dense heads, μ(x) and log σ²(x) ∈ ℝᵏ; training samples
 * z = μ + exp(½ log σ²) ⊙ ε, ε ~ N(0, I) (the reparameterization trick, ε from
 * ONNX Runtime's RandomNormalLike, fresh at every step) and minimizes the
 * negative ELBO per sample, averaged over the batch:
 *
 *   loss = (1/N) Σ_n [ Σ_features BCE(x̂_n, x_n) + β · KL_n ],
 *   KL_n = −½ Σ_j (1 + log σ²_nj − μ²_nj − σ²_nj).
 *
 * Metrics `reconstruction` and `kl` report the two terms (per sample, batch
 * mean). Evaluation samples z the same way (an ELBO estimate); inference parts
 * (`encode`, `reconstruct`, `reconstructionError`) use z = μ; the encoder part
 * returns `mu` and `logVar`; `sample(n)` decodes draws from the prior N(0, I).
 *
 * With `importanceSamples: k > 1` the model is an IWAE: each input gets k
 * draws z_i = μ + σ ⊙ ε_i and the loss is the negative importance-weighted bound
 *
 *   loss = −(1/N) Σ_n log (1/k) Σ_i w_ni,   log w = log p(x|z) + log p(z) − log q(z|x),
 *
 * with p(x|z) the decoder's Bernoulli likelihood (−BCE summed over features),
 * p(z) = N(0, I) and q(z|x) = N(μ, σ²). It is the ELBO for k = 1 and tightens
 * towards log p(x) as k grows; `reconstruction` then reports the mean of
 * −log p(x|z) over the k draws and `kl` the analytic KL of q, for comparison.
 *
 * With loss 'bce', the part `logLikelihood` maps rows [z, x] (the latentDim
 * values of a code, then the input's values flattened) to log p(x|z), for
 * importance-sampled likelihood estimates (src/tasks/generate.ts).
 */
export class VariationalAutoencoder extends AutoencoderModel {
  readonly className = 'VariationalAutoencoder';
  protected override readonly codeOutput = 'mu';
  readonly latentDim: number;
  readonly beta: number;
  /** Samples k of the importance-weighted bound; 1 is the plain ELBO. */
  readonly importanceSamples: number;
  readonly encoderConfig: Required<VaeDenseEncoder> | Required<VaeConvEncoder>;
  readonly decoderConfig: { sizes: number[] } | { filters: number[] };
  readonly encoder: Sequential;
  readonly muHead: Dense;
  readonly logVarHead: Dense;
  readonly decoder: Sequential;
  readonly latentShape: number[];

  constructor(config: VariationalAutoencoderConfig) {
    const c = fieldsOf(config, [...COMMON_FIELDS, 'latentDim', 'beta', 'importanceSamples', 'encoder', 'decoder']);
    for (const field of ['sparsity', 'contractive']) {
      if (c[field] !== undefined) throw new ConfigError(`config.${field}`, 'not supported by VariationalAutoencoder (its KL term already regularizes the code)');
    }
    const common = parseCommon(c, 'config', { loss: 'bce', reduction: 'perSample' });
    if (common.reduction !== 'perSample') throw new ConfigError('config.reduction', `a VAE sums the reconstruction loss over each sample's features (the ELBO's scale), so 'perSample'; got '${common.reduction}'`);
    super(common);
    this.rejectAdversarial();
    const latentDim = req(c, 'latentDim', 'config', positiveInt);
    const beta = opt(c, 'beta', 'config', (v, p) => numberIn(v, p, 0, Infinity), 1);
    const importanceSamples = opt(c, 'importanceSamples', 'config', positiveInt, 1);
    if (importanceSamples > 1) {
      if (common.loss !== 'bce' || common.perceptual) throw new ConfigError('config.importanceSamples', `the importance-weighted bound needs the Bernoulli likelihood of loss 'bce'; got loss ${common.perceptual ? "'perceptual'" : `'${common.loss}'`}`);
      if (beta !== 1) throw new ConfigError('config.importanceSamples', `the importance-weighted bound is a bound on log p(x) only with beta 1; got beta ${beta}`);
    }
    this.importanceSamples = importanceSamples;
    const encRaw = objectOf(req(c, 'encoder', 'config', (v) => v), 'config.encoder', ['type', 'sizes', 'filters', 'kernelSize', 'activation']);
    const type = req(encRaw, 'type', 'config.encoder', (v, p) => oneOf(v, p, ['dense', 'conv'] as const));
    this.latentDim = latentDim;
    this.beta = beta;
    this.latentShape = [latentDim];
    const encLayers: Layer[] = [];
    const decLayers: Layer[] = [];
    if (type === 'dense') {
      const enc = objectOf(encRaw, 'config.encoder', ['type', 'sizes', 'activation']);
      const sizes = req(enc, 'sizes', 'config.encoder', (v, p) => positiveInts(v, p, true));
      const activation = opt(enc, 'activation', 'config.encoder', activationName, 'relu');
      const dec = c.decoder === undefined ? {} : objectOf(c.decoder, 'config.decoder', ['sizes']);
      const decSizes = opt(dec, 'sizes', 'config.decoder', (v, p) => positiveInts(v, p, true), [...sizes].reverse());
      this.encoderConfig = { type, sizes, activation };
      this.decoderConfig = { sizes: decSizes };
      if (this.inputShape.length > 1) encLayers.push(new Flatten({ name: 'encoder_flatten' }));
      sizes.forEach((units, i) => encLayers.push(new Dense({ name: `encoder_${i}`, units, activation })));
      decSizes.forEach((units, i) => decLayers.push(new Dense({ name: `decoder_${i}`, units, activation })));
      decLayers.push(new Dense({ name: 'decoder_output', units: sizeOf(this.inputShape) }));
      if (this.inputShape.length > 1) decLayers.push(new Reshape({ name: 'decoder_reshape', targetShape: this.inputShape }));
    } else {
      const enc = objectOf(encRaw, 'config.encoder', ['type', 'filters', 'kernelSize', 'activation']);
      const [channels, h, w] = imageShape(this.inputShape, 'a convolutional VAE');
      const filters = req(enc, 'filters', 'config.encoder', positiveInts);
      const kernelSize = opt(enc, 'kernelSize', 'config.encoder', positiveInt, 3);
      const activation = opt(enc, 'activation', 'config.encoder', activationName, 'relu');
      const dec = c.decoder === undefined ? {} : objectOf(c.decoder, 'config.decoder', ['filters']);
      const decFilters = opt(dec, 'filters', 'config.decoder', positiveInts, [...filters].reverse());
      if (decFilters.length !== filters.length) throw new ConfigError('config.decoder.filters', `expected ${filters.length} entries (one per encoder level), got ${decFilters.length}`);
      const [hc, wc] = checkLevels(h, w, filters.length, 'config.encoder.filters');
      this.encoderConfig = { type, filters, kernelSize, activation };
      this.decoderConfig = { filters: decFilters };
      filters.forEach((f, i) => encLayers.push(new Conv2D({ name: `encoder_conv_${i}`, filters: f, kernelSize, strides: 2, padding: 'same', activation })));
      encLayers.push(new Flatten({ name: 'encoder_flatten' }));
      const fL = filters[filters.length - 1]!;
      decLayers.push(new Dense({ name: 'decoder_dense', units: fL * hc * wc, activation }), new Reshape({ name: 'decoder_reshape', targetShape: [fL, hc, wc] }));
      decFilters.forEach((f, i) => decLayers.push(new Conv2DTranspose({ name: `decoder_deconv_${i}`, filters: f, kernelSize, strides: 2, padding: 'same', activation })));
      decLayers.push(new Conv2D({ name: 'decoder_output', filters: channels, kernelSize, padding: 'same' }));
    }
    this.encoder = new Sequential({ name: 'encoder', layers: encLayers });
    this.muHead = new Dense({ name: 'mu', units: latentDim });
    // Zero-initialized so training starts at σ² = 1, the prior's variance, instead of a random spread.
    this.logVarHead = new Dense({ name: 'log_var', units: latentDim, kernelInitializer: 'zeros' });
    this.decoder = new Sequential({ name: 'decoder', layers: decLayers });
  }

  protected encodeGraph(ctx: GraphBuildContext, x: Value): Encoded {
    const hidden = this.encoder.call(ctx, x);
    const mu = this.muHead.call(ctx, hidden);
    return { code: mu, mu, logVar: this.logVarHead.call(ctx, hidden) };
  }

  protected override encoderOutputs(e: Encoded): Record<string, Value> {
    return { mu: e.mu!, logVar: e.logVar! };
  }

  protected decodeGraph(ctx: GraphBuildContext, z: Value): Value {
    return this.decoder.call(ctx, z);
  }

  /** z = μ + exp(½ log σ²) ⊙ ε with ε ~ N(0, I): differentiable in μ and log σ². */
  protected override trainingCode(ctx: GraphBuildContext, e: Encoded): Value {
    const { g } = ctx;
    const sigma = g.exp(g.mul(e.logVar!, 0.5));
    return g.add(e.mu!, g.mul(sigma, g.randomNormalLike(e.mu!)));
  }

  override buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> } {
    if (this.importanceSamples > 1) return this.importanceWeightedObjective(ctx, x, target);
    const { g } = ctx;
    const encoded = this.encodeGraph(ctx, this.corruptInput(ctx, x));
    const terms = this.reconstructionTerms(ctx, this.decodeGraph(ctx, this.trainingCode(ctx, encoded)), target);
    const reconstruction = terms.perSample;
    const kl = klDivergenceGaussian(encoded.mu!, encoded.logVar!).perSample;
    this.addContrastive(ctx, encoded.mu!);
    return { loss: g.add(reconstruction, g.mul(kl, this.beta)), metrics: { reconstruction, kl, ...this.termMetrics(ctx, terms) } };
  }

  /** The negative IWAE bound with k = importanceSamples draws per input (see the class TSDoc). */
  private importanceWeightedObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> } {
    const { g } = ctx;
    const k = this.importanceSamples;
    const d = this.latentDim;
    const features = sizeOf(this.inputShape);
    const encoded = this.encodeGraph(ctx, this.corruptInput(ctx, x));
    const n: Dim = encoded.mu!.shape[0]!;
    const { base, factor } = splitDim(n);
    const nk = joinDim(base, factor * k);
    const mu = g.reshape(encoded.mu!, [n, 1, d]);
    const logVar = g.reshape(encoded.logVar!, [n, 1, d]);
    // k copies give RandomNormalLike the [N, k, d] shape of the draws; μ and σ then broadcast over k.
    const eps = g.randomNormalLike(g.concat(Array.from({ length: k }, () => mu), 1));
    const z = g.add(mu, g.mul(g.exp(g.mul(logVar, 0.5)), eps));
    const logits = g.flatten(this.decodeGraph(ctx, g.reshape(z, [nk, d])));
    const flatTarget = g.reshape(target, [n, 1, features]);
    const tiledTarget = g.reshape(g.concat(Array.from({ length: k }, () => flatTarget), 1), [nk, features]);
    const logPxz = g.reshape(g.neg(binaryCrossEntropyWithLogits(logits, tiledTarget).samples), [n, k]);
    // log p(z) − log q(z|x) = −½ Σ_j (z² − ε² − log σ²); the log 2π terms cancel.
    const logPrior = g.sub(g.sub(g.reduceSum(g.square(z), [2]), g.reduceSum(g.square(eps), [2])), g.reduceSum(logVar, [2]));
    const logW = g.add(logPxz, g.mul(logPrior, -0.5));
    // log-mean-exp over the k draws, shifted by the max for stability (the shift's gradient cancels exactly).
    const m = g.reduceMax(logW, [1], true);
    const bound = g.sub(g.add(g.reshape(m, [n]), g.log(g.reduceSum(g.exp(g.sub(logW, m)), [1]))), Math.log(k));
    const loss = g.neg(g.reduceMean(bound));
    this.addContrastive(ctx, encoded.mu!);
    const reconstruction = g.neg(g.reduceMean(logPxz));
    const kl = klDivergenceGaussian(encoded.mu!, encoded.logVar!).perSample;
    return { loss, metrics: { reconstruction, kl } };
  }

  /** The standard parts, plus `logLikelihood` (rows [z, x] → log p(x|z)) for a Bernoulli decoder (loss 'bce'). */
  override parts(): Record<string, ModelPart> {
    const parts = super.parts();
    if (this.loss !== 'bce' || this.perceptual) return parts;
    const d = this.latentDim;
    const features = sizeOf(this.inputShape);
    parts.logLikelihood = {
      inputShape: [d + features],
      build: (ctx, rows) => {
        const z = ctx.g.slice(rows, [0], [d], [1]);
        const x = ctx.g.slice(rows, [d], [d + features], [1]);
        const logits = ctx.g.flatten(this.decodeGraph(ctx, z));
        return { logLikelihood: ctx.g.neg(binaryCrossEntropyWithLogits(logits, x).samples) };
      },
    };
    return parts;
  }

  protected summarySections(): SummarySection[] {
    const hidden = this.encoder.computeOutputShape(['N', ...this.inputShape]);
    return [
      { title: 'encoder', inputShape: ['N', ...this.inputShape], layers: this.encoder.layers },
      { title: 'encoder', inputShape: hidden, layers: [this.muHead] },
      { title: 'encoder', inputShape: hidden, layers: [this.logVarHead] },
      { title: 'decoder', inputShape: ['N', ...this.latentShape], layers: this.decoder.layers },
    ];
  }

  protected ownConfig(): Record<string, unknown> {
    return {
      latentDim: this.latentDim, beta: this.beta,
      // Written only when set, so the configs (and model identities) of plain VAEs stay as they were.
      ...(this.importanceSamples !== 1 ? { importanceSamples: this.importanceSamples } : {}),
      encoder: { ...this.encoderConfig },
      decoder: { ...this.decoderConfig },
    };
  }
}

registerModel('VariationalAutoencoder', (c) => new VariationalAutoencoder(c as unknown as VariationalAutoencoderConfig));
