/**
 * The base of the autoencoder family: {@link AutoencoderModel} implements the
 * trainer's {@link TrainableModel} contract once (input corruption,
 * reconstruction loss, sparsity, contractive and contrastive penalties,
 * inference parts), over the Keras-like front end of front-end.ts.
 * Config fields live in common-config.ts, the registry in registry.ts, the
 * perceptual loss in perceptual-loss.ts, the summary table in summary.ts.
 */
import { Rng } from '../data/random.js';
import { type Value } from '../graph/graph.js';
import { sizeOf } from '../graph/types.js';
import { type ActivationName, applyActivation } from '../layers/activations.js';
import { type GraphBuildContext } from '../layers/core.js';
import { type Sequential } from '../layers/wrappers.js';
import {
  type LossName, type LossTerms, contractivePenalty, klSparsityPenalty, l1ActivityPenalty, reconstructionLoss, uniformityPenalty,
} from '../losses/index.js';
import { type DiscriminatorObjective, type ModelPart, type TrainableModel } from '../train/model.js';
import { type AdversarialLoss, adversarialTerms } from './adversarial-loss.js';
import { type Trainer } from '../train/trainer.js';
import { type ContrastiveConfig, type NoiseConfig, type ResolvedCommon, type SparsityConfig, commonConfig, corrupt } from './common-config.js';
import { ConfigError, positiveInt, positiveInts } from './config.js';
import { type LoadOptions, ModelFrontEnd } from './front-end.js';
import { type PerceptualLoss, type ReconstructionTerms, fillFrozenWeights, frozenWeightsOf, perceptualTerms } from './perceptual-loss.js';
import { modelFromConfig } from './registry.js';
import { type SummaryRow, type SummarySection, formatSummary, summaryRows } from './summary.js';

export * from './common-config.js';
export * from './front-end.js';
export * from './perceptual-loss.js';
export * from './registry.js';
export * from './summary.js';
export { ConfigError, positiveInt, positiveInts };

/** What an encoder adds to a graph: the code, and for a VAE the Gaussian's parameters. */
export interface Encoded {
  /** The deterministic code (a VAE's μ). */
  code: Value;
  mu?: Value;
  logVar?: Value;
}

/**
 * Base of every autoencoder: f (encoder) maps x to a code h = f(x̃), g (decoder)
 * maps the code back, x̂ = a(g(h)) with `a` the output activation, and training
 * minimizes L(x̂, x) + penalties, where x̃ is x corrupted by the noise option
 * (x̃ = x without it).
 *
 * Subclasses say how to encode and decode; this class builds the trainer's
 * objective and inference parts, and {@link ModelFrontEnd} adds the
 * Keras-like API (`fit`, `encode`, `decode`, `reconstruct`,
 * `reconstructionError`, `runPart`, `save`/`load`, `exportOnnx`); `sample`,
 * `interpolate` and `summary` are here.
 *
 * Inference parts: `model` (x → reconstruction), `encoder` (x → code, or μ and
 * log σ² for a VAE), `decoder` (code → reconstruction), `errors` (x → per-sample
 * reconstruction error, shape [N]).
 */
export abstract class AutoencoderModel extends ModelFrontEnd implements TrainableModel {
  readonly inputShape: number[];
  /** The pixel loss (with a perceptual loss, the one mixed in with `pixelWeight`). */
  readonly loss: LossName;
  /** The perceptual loss, when the config's `loss` is one. */
  readonly perceptual?: PerceptualLoss;
  /** The adversarial term added to the reconstruction loss, when the config's `loss` is one. */
  readonly adversarial?: AdversarialLoss;
  readonly outputActivation: ActivationName;
  readonly reduction: 'perElement' | 'perSample';
  readonly noise?: NoiseConfig;
  readonly sparsity?: SparsityConfig;
  readonly contractive?: number;
  readonly contrastive?: Required<ContrastiveConfig>;

  protected constructor(common: ResolvedCommon) {
    super();
    this.inputShape = [...common.inputShape];
    this.loss = common.loss;
    this.perceptual = common.perceptual;
    this.adversarial = common.adversarial;
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

  /** Outputs of the encoder part. */
  protected encoderOutputs(e: Encoded): Record<string, Value> {
    return { code: e.code };
  }

  /** Output activation applied to the decoder's linear output: x̂ = a(logits). */
  protected activate(ctx: GraphBuildContext, logits: Value): Value {
    return applyActivation(ctx, logits, this.outputActivation);
  }

  /**
   * The reconstruction loss's reductions for decoder logits against a target
   * ({@link reconstructionLoss}); with a perceptual loss, weight · perceptual +
   * pixelWeight · pixel (see `PerceptualLossConfig`), with both unweighted
   * terms in `parts`.
   */
  protected reconstructionTerms(ctx: GraphBuildContext, logits: Value, target: Value): ReconstructionTerms {
    const pixel = reconstructionLoss(ctx, this.loss, logits, target, this.outputActivation);
    return this.perceptual ? perceptualTerms(ctx, this.perceptual, logits, target, pixel, this.outputActivation, this.inputShape) : pixel;
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
    return this.noise && ctx.training ? corrupt(ctx, x, this.noise) : x;
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
   * trainer as labelled extra losses. With an adversarial loss the objective
   * also has its image discriminator (see `AdversarialLossConfig`).
   */
  buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value>; discriminator?: DiscriminatorObjective } {
    const input = this.corruptInput(ctx, x);
    const encoded = this.encodeGraph(ctx, input);
    const logits = this.decodeGraph(ctx, this.trainingCode(ctx, encoded));
    const terms = this.reconstructionTerms(ctx, logits, target);
    const loss = this.reduction === 'perSample' ? terms.perSample : terms.perElement;
    this.addPenalties(ctx, encoded.code, input);
    // A separate node, so the 'loss' and 'reconstruction' outputs never name the same value.
    const metrics = { reconstruction: ctx.g.identity(loss), ...this.termMetrics(ctx, terms) };
    if (!this.adversarial) return { loss, metrics };
    const adv = adversarialTerms(ctx, this.adversarial, this.activate(ctx, logits), target);
    return { loss: ctx.g.add(loss, adv.term), metrics: { ...metrics, ...adv.metrics }, discriminator: adv.discriminator };
  }

  /** Rejects an adversarial `loss` in a model whose objective has no place for it. */
  protected rejectAdversarial(): void {
    if (this.adversarial) throw new ConfigError('config.loss', `an adversarial loss is not supported by ${this.className}`);
  }

  parts(): Record<string, ModelPart> {
    return {
      model: { inputShape: this.inputShape, build: (ctx, x) => ({ reconstruction: this.activate(ctx, this.decodeGraph(ctx, this.encodeGraph(ctx, x).code)) }) },
      encoder: { inputShape: this.inputShape, build: (ctx, x) => this.encoderOutputs(this.encodeGraph(ctx, x)) },
      decoder: { inputShape: this.latentShape, build: (ctx, z) => ({ reconstruction: this.activate(ctx, this.decodeGraph(ctx, z)) }) },
      errors: { inputShape: this.inputShape, build: (ctx, x) => ({ errors: this.reconstructionTerms(ctx, this.decodeGraph(ctx, this.encodeGraph(ctx, x).code), x).samples }) },
    };
  }

  /**
   * Whether {@link reconstructAndEncode} runs one graph: a model whose
   * `model` and `encoder` parts, `reconstruct` and `encode` are this base
   * class's (the dense, convolutional, Conv1D and recurrent autoencoders).
   * Models that build their parts their own way (VAE, U-Net, MAE, the
   * sequence models) run the two parts one after the other.
   */
  get reconstructsAndEncodesAtOnce(): boolean {
    return this.parts === AutoencoderModel.prototype.parts && this.encoderOutputs === AutoencoderModel.prototype.encoderOutputs
      && this.reconstruct === ModelFrontEnd.prototype.reconstruct && this.encode === ModelFrontEnd.prototype.encode && this.codeOutput === 'code';
  }

  /**
   * `reconstruct(x)` and `encode(x)` of the same samples, for a detector
   * that scores with both (squared error and the k-NN of the codes): one
   * ONNX Runtime call per batch with the encoder run once, where the two
   * parts run it twice. The same values, to the bit, as the two calls
   * (test/anomaly/reconstruct-and-encode.test.ts).
   */
  async reconstructAndEncode(x: Float32Array, opts: { batchSize?: number } = {}): Promise<{ reconstruction: Float32Array; code: Float32Array }> {
    if (!this.reconstructsAndEncodesAtOnce) return { reconstruction: await this.reconstruct(x, opts), code: await this.encode(x, opts) };
    const part: ModelPart = {
      inputShape: this.inputShape,
      build: (ctx, input) => {
        const encoded = this.encodeGraph(ctx, input);
        return { reconstruction: this.activate(ctx, this.decodeGraph(ctx, encoded.code)), code: this.encoderOutputs(encoded).code! };
      },
    };
    const out = await this.trainer.predictWith('reconstructionAndCode', part, x, opts);
    return { reconstruction: out.reconstruction!.data as Float32Array, code: out.code!.data as Float32Array };
  }

  /**
   * What the `encoder`, `model` and `errors` parts compute, in one graph with
   * the encoder run once: the encoder's outputs (a VAE's `mu` and `logVar`),
   * the code, the reconstruction and the per-sample reconstruction error.
   * For exports that need several of them (a detector's score.onnx).
   */
  scoringOutputs(ctx: GraphBuildContext, x: Value): { code: Value; reconstruction: Value; errors: Value; encoder: Record<string, Value> } {
    const encoded = this.encodeGraph(ctx, x);
    const logits = this.decodeGraph(ctx, encoded.code);
    return {
      code: encoded.code,
      reconstruction: this.activate(ctx, logits),
      errors: this.reconstructionTerms(ctx, logits, x).samples,
      encoder: this.encoderOutputs(encoded),
    };
  }

  /** The JSON config: `className` and every field the constructor takes, defaults made explicit. */
  getConfig(): Record<string, unknown> {
    return {
      className: this.className,
      ...commonConfig({ inputShape: this.inputShape, loss: this.loss, perceptual: this.perceptual, adversarial: this.adversarial, outputActivation: this.outputActivation, reduction: this.reduction, noise: this.noise, sparsity: this.sparsity, contractive: this.contractive, contrastive: this.contrastive }),
      ...this.ownConfig(),
    };
  }

  protected override prepareTrainer(trainer: Trainer): Trainer {
    return this.perceptual ? fillFrozenWeights(trainer, this.perceptual) : trainer;
  }

  protected override afterLoad(): void {
    // A saved config holds the classifier's architecture only; its weights came with the checkpoint.
    if (this.perceptual && !this.perceptual.weights) this.perceptual.weights = frozenWeightsOf(this.trainer);
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

  /**
   * Loads a model saved with `save`: rebuilds it from its config through the
   * model registry, then restores weights and optimizer state. Called on a
   * subclass (`VariationalAutoencoder.load`), it also checks the class.
   */
  static load<T extends AutoencoderModel>(this: { prototype: T; name: string }, dir: string, options: LoadOptions = {}): T {
    const expected = this;
    return ModelFrontEnd.restore(dir, options, (config) => {
      const model = modelFromConfig(config);
      // `this` is the class load was called on; its prototype chain tells whether the saved model is one.
      if (!(expected.prototype as object).isPrototypeOf(model)) throw new Error(`${dir}: holds a ${model.className}, not a ${expected.name}`);
      return model as T;
    });
  }

  /** Rows of the summary: one per layer, with its output shape and parameter count (running statistics included). */
  summaryRows(): SummaryRow[] {
    return summaryRows(this.summarySections());
  }

  /** Total number of parameter and state values. */
  countParams(): number {
    return this.summaryRows().reduce((s, r) => s + r.params, 0);
  }

  /** A printable table of layers, output shapes and parameter counts, Keras style. */
  summary(): string {
    const extras = [
      this.noise ? `noise: ${JSON.stringify(this.noise)}` : '',
      this.sparsity ? `sparsity: ${JSON.stringify(this.sparsity)}` : '',
      this.contractive !== undefined ? `contractive: ${this.contractive}` : '',
      this.contrastive ? `contrastive: ${this.contrastive.weight} · uniformity (t = ${this.contrastive.t})` : '',
      this.perceptual ? `perceptual: ${this.perceptual.weight} · classifier features [${this.perceptual.layers.join(', ')}] + ${this.perceptual.pixelWeight} · ${this.loss}` : '',
      this.adversarial ? `adversarial: ${this.adversarial.weight} · GAN loss of an image discriminator (conv [${this.adversarial.filters.join(', ')}] on [${this.adversarial.imageShape.join(', ')}])` : '',
    ].filter(Boolean);
    const header = `Model: ${this.className}  input [${this.inputShape}]  latent [${this.latentShape}]  loss ${this.loss} (${this.reduction})`;
    return formatSummary(header, this.summaryRows(), extras);
  }
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
