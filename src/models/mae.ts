/**
 * The masked autoencoder of He et al. 2021 ("Masked Autoencoders Are Scalable
 * Vision Learners") for NCHW images.
 */
import { type Value } from '../graph/graph.js';
import { type Dim, tensor } from '../graph/types.js';
import { type GraphBuildContext } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { LayerNormalization } from '../layers/normalization.js';
import { PatchEmbedding, PositionalEmbedding, TransformerBlock, patchify, unpatchify } from '../layers/attention.js';
import { type ModelPart } from '../train/model.js';
import { AutoencoderModel, type Encoded, fieldsOf, parseCommon, registerModel } from './base.js';
import { ConfigError, bool, numberIn, objectOf, oneOf, opt, positiveInt, req } from './config.js';
import { imageShape } from './conv.js';
import { type SummarySection } from './summary.js';

/** A stack of Transformer blocks. */
export interface MaeStackConfig {
  /** Token features. */
  embedDim: number;
  /** Transformer blocks. */
  depth: number;
  /** Attention heads; must divide embedDim. */
  numHeads: number;
  /** Hidden features of each block's MLP. Default 4 × embedDim. */
  mlpDim?: number;
}

/** Config of a {@link MaskedAutoencoder} (also its constructor's argument). */
export interface MaskedAutoencoderConfig {
  /** [channels, height, width] (NCHW). */
  inputShape: number[];
  /** Patch height and width (one number: square); must tile the image. */
  patchSize: number | [number, number];
  /** Fraction of patches hidden from the encoder at each training step, in (0, 1). Default 0.75. */
  maskRatio?: number;
  encoder: MaeStackConfig;
  /** The light decoder. Default: embedDim half the encoder's (at least the heads'), depth 1, the encoder's heads. */
  decoder?: Partial<MaeStackConfig>;
  /**
   * Targets are each patch's pixels normalized by the patch's mean and
   * standard deviation (the paper's better-representation variant). Default false.
   */
  normPixelLoss?: boolean;
  /**
   * 'learned' (default) or 'sinusoidal' (fixed, as the paper's) position
   * embeddings. With a 4×4 grid of patches, the 1-D sinusoids of base 10000
   * differ between positions in only a few of their dims, and in our trials
   * the decoder then learned more slowly where each hidden patch lies.
   */
  positional?: 'sinusoidal' | 'learned';
  /** Applied to the decoder's patch predictions: 'linear' (default) or 'sigmoid' (pixels in [0, 1]; not with normPixelLoss). */
  outputActivation?: 'linear' | 'sigmoid';
  /** Only 'mse' (the paper's loss). */
  loss?: 'mse';
  /**
   * What `encode` returns: 'mean' (default), the mean of the encoded patch
   * tokens; 'cls', the encoded class token, a learned token that the encoder
   * sees in front of the patches (visible or all) in every pass, as in He et
   * al.'s code; it is not decoded; 'spatial', every patch token through a
   * linear bottleneck of `patchCode` values, concatenated in patch order
   * (P · patchCode values). With 'spatial' the bottleneck sits on the
   * decoder's path (the decoder reads the bottlenecked visible tokens), so it
   * is trained by the masked-patch loss, and the code keeps where each part
   * of the image is, which a mean or a class token keeps only as far as the
   * encoder writes it into every token.
   */
  pooling?: 'mean' | 'cls' | 'spatial';
  /** Values per patch in the 'spatial' code (only with it). Default 4. */
  patchCode?: number;
  /**
   * Weight w of the visible patches' error in the loss: masked-patch error +
   * w · visible-patch error. Default 0, the paper's loss (masked patches only);
   * w > 0 also asks every token to keep its own patch, as an autoencoder's
   * code does, a departure from He et al. (their loss on all pixels
   * fine-tuned slightly worse).
   */
  visibleLossWeight?: number;
}

const MAE_FIELDS = ['className', 'inputShape', 'patchSize', 'maskRatio', 'encoder', 'decoder', 'normPixelLoss', 'positional', 'outputActivation', 'loss', 'pooling', 'patchCode', 'visibleLossWeight'] as const;

function parseStack(v: unknown, path: string, defaults?: MaeStackConfig): Required<MaeStackConfig> {
  const o = defaults && v === undefined ? {} : objectOf(v, path, ['embedDim', 'depth', 'numHeads', 'mlpDim']);
  const get = (k: 'embedDim' | 'depth' | 'numHeads') => (defaults ? opt(o, k, path, positiveInt, defaults[k]) : req(o, k, path, positiveInt));
  const embedDim = get('embedDim');
  const numHeads = get('numHeads');
  if (embedDim % numHeads !== 0) throw new ConfigError(`${path}.numHeads`, `${numHeads} heads must divide embedDim ${embedDim}`);
  return { embedDim, depth: get('depth'), numHeads, mlpDim: opt(o, 'mlpDim', path, positiveInt, 4 * embedDim) };
}

function patchPair(v: unknown, path: string): [number, number] {
  if (typeof v === 'number') return [positiveInt(v, path), positiveInt(v, path)];
  if (Array.isArray(v) && v.length === 2) return [positiveInt(v[0], `${path}[0]`), positiveInt(v[1], `${path}[1]`)];
  throw new ConfigError(path, `expected a positive integer or a pair of them, got ${JSON.stringify(v)}`);
}

/** `depth` pre-LN Transformer blocks named `${prefix}_block_${i}`. */
function blocks(prefix: string, s: Required<MaeStackConfig>): TransformerBlock[] {
  return Array.from({ length: s.depth }, (_, i) => new TransformerBlock({ name: `${prefix}_block_${i}`, numHeads: s.numHeads, mlpDim: s.mlpDim }));
}

/**
 * Masked autoencoder (He et al. 2021). The image is cut into p × q patches,
 * each embedded linearly, plus a position embedding. In every training step a
 * fresh random subset of `maskRatio` of the patches of each sample is hidden:
 * the encoder (pre-LN Transformer blocks) sees only the visible patches; the
 * light decoder gets the encoded visible tokens, projected to its width, put
 * back at their positions among learned mask tokens, adds its own position
 * embedding, runs its blocks and predicts every patch's pixels. The loss is the
 * mean squared error over the masked patches only (per patch over its pixels,
 * then over masked patches), optionally against per-patch normalized pixels.
 *
 * Masking is drawn in the graph: one uniform number per patch from ONNX
 * Runtime's seeded RandomUniformLike, TopK of the smallest picks the
 * (1 − maskRatio)·P visible patches, and a one-hot [N, K, P] matrix gathers
 * them (a batched MatMul, whose rule gives the gradient) and scatters the
 * decoded tokens back (its transpose). So masks differ at every step and
 * replay from the trainer's seed, as dropout's do.
 *
 * Inference parts: `encoder` (x → `code`, [embedDim]: the mean over all P
 * patch tokens of the unmasked image's encoding, or with `pooling: 'cls'`
 * the encoded class token; with 'spatial', [P · patchCode]: each token
 * through the bottleneck), `model` (x → `reconstruction`
 * of the unmasked image, with normPixelLoss denormalized by each input
 * patch's own mean and deviation), `errors` (per-sample mean squared error of
 * that reconstruction), `masked` (x → `reconstruction` from a random mask,
 * visible patches copied from x, and `mask`, 1 on hidden pixels), and
 * `attention` (x → the last encoder block's attention `weights` [h, P, P],
 * among the patches).
 * There is no `decoder` part: the decoder reads patch tokens, not the pooled code.
 */
export class MaskedAutoencoder extends AutoencoderModel {
  readonly className = 'MaskedAutoencoder';
  readonly patchSize: [number, number];
  readonly maskRatio: number;
  readonly encoderConfig: Required<MaeStackConfig>;
  readonly decoderConfig: Required<MaeStackConfig>;
  readonly normPixelLoss: boolean;
  readonly positional: 'sinusoidal' | 'learned';
  readonly pooling: 'mean' | 'cls' | 'spatial';
  /** Values per patch of the 'spatial' code (0 with another pooling). */
  readonly patchCode: number;
  readonly latentShape: number[];
  /** Weight of the visible patches' error in the loss (0: masked patches only). */
  readonly visibleLossWeight: number;
  /** Number of patches P. */
  readonly numPatches: number;
  /** Patches the encoder sees in training, K = P − round(maskRatio · P). */
  readonly visiblePatches: number;

  private readonly embed: PatchEmbedding;
  private readonly encoderPosition: PositionalEmbedding;
  private readonly encoderBlocks: TransformerBlock[];
  private readonly encoderNorm: LayerNormalization;
  /** The per-patch linear bottleneck of the 'spatial' code. */
  private readonly bottleneck?: Dense;
  private readonly decoderEmbed: Dense;
  private readonly decoderPosition: PositionalEmbedding;
  private readonly decoderBlocks: TransformerBlock[];
  private readonly decoderNorm: LayerNormalization;
  private readonly head: Dense;

  constructor(config: MaskedAutoencoderConfig) {
    const c = fieldsOf(config, MAE_FIELDS);
    if (c.loss !== undefined && c.loss !== 'mse') throw new ConfigError('config.loss', `a MaskedAutoencoder is trained with 'mse' on the masked patches, got ${JSON.stringify(c.loss)}`);
    const outputActivation = opt(c, 'outputActivation', 'config', (v, p) => oneOf(v, p, ['linear', 'sigmoid'] as const), 'linear');
    super(parseCommon({ inputShape: c.inputShape, loss: 'mse', outputActivation }, 'config'));
    const [channels, h, w] = imageShape(this.inputShape, 'a masked autoencoder');
    this.patchSize = req(c, 'patchSize', 'config', patchPair);
    if (h % this.patchSize[0] !== 0 || w % this.patchSize[1] !== 0) throw new ConfigError('config.patchSize', `patches of ${this.patchSize.join('×')} must tile the ${h}×${w} image`);
    this.numPatches = (h / this.patchSize[0]) * (w / this.patchSize[1]);
    this.maskRatio = opt(c, 'maskRatio', 'config', (v, p) => numberIn(v, p, 0, 1, { min: true, max: true }), 0.75);
    this.visiblePatches = this.numPatches - Math.round(this.maskRatio * this.numPatches);
    if (this.visiblePatches < 1 || this.visiblePatches >= this.numPatches) {
      throw new ConfigError('config.maskRatio', `${this.maskRatio} of ${this.numPatches} patches leaves ${this.visiblePatches} visible; at least 1 must be visible and 1 hidden`);
    }
    this.encoderConfig = parseStack(c.encoder, 'config.encoder');
    const e = this.encoderConfig;
    const decoderDim = Math.max(e.numHeads, Math.round(e.embedDim / 2 / e.numHeads) * e.numHeads);
    this.decoderConfig = parseStack(c.decoder, 'config.decoder', { embedDim: decoderDim, depth: 1, numHeads: e.numHeads, mlpDim: 4 * decoderDim });
    if (c.decoder !== undefined && (c.decoder as { mlpDim?: unknown }).mlpDim === undefined) this.decoderConfig.mlpDim = 4 * this.decoderConfig.embedDim;
    this.normPixelLoss = opt(c, 'normPixelLoss', 'config', bool, false);
    if (this.normPixelLoss && this.outputActivation !== 'linear') throw new ConfigError('config.outputActivation', "normalized pixel targets are unbounded: use 'linear'");
    this.positional = opt(c, 'positional', 'config', (v, p) => oneOf(v, p, ['sinusoidal', 'learned'] as const), 'learned');
    this.pooling = opt(c, 'pooling', 'config', (v, p) => oneOf(v, p, ['mean', 'cls', 'spatial'] as const), 'mean');
    if (this.pooling !== 'spatial' && c.patchCode !== undefined) throw new ConfigError('config.patchCode', `only the 'spatial' code has values per patch; pooling is '${this.pooling}'`);
    this.patchCode = this.pooling === 'spatial' ? opt(c, 'patchCode', 'config', positiveInt, 4) : 0;
    this.visibleLossWeight = opt(c, 'visibleLossWeight', 'config', (v, p) => numberIn(v, p, 0, Infinity, { max: true }), 0);
    this.latentShape = [this.pooling === 'spatial' ? this.numPatches * this.patchCode : e.embedDim];

    const d = this.decoderConfig;
    this.embed = new PatchEmbedding({ name: 'patch_embed', patchSize: this.patchSize, embedDim: e.embedDim });
    this.encoderPosition = new PositionalEmbedding({ name: 'encoder_position', kind: this.positional });
    this.encoderBlocks = blocks('encoder', e);
    this.encoderNorm = new LayerNormalization({ name: 'encoder_norm' });
    if (this.pooling === 'spatial') this.bottleneck = new Dense({ name: 'patch_code', units: this.patchCode });
    this.decoderEmbed = new Dense({ name: 'decoder_embed', units: d.embedDim });
    this.decoderPosition = new PositionalEmbedding({ name: 'decoder_position', kind: this.positional });
    this.decoderBlocks = blocks('decoder', d);
    this.decoderNorm = new LayerNormalization({ name: 'decoder_norm' });
    this.head = new Dense({ name: 'decoder_head', units: this.patchSize[0] * this.patchSize[1] * channels });
  }

  /** Patch tokens with positions, [N, P, D]. */
  private tokens(ctx: GraphBuildContext, x: Value): Value {
    return this.encoderPosition.call(ctx, this.embed.call(ctx, x));
  }

  /**
   * The encoder blocks and final norm on [N, T, D] patch tokens: the encoded
   * patch tokens (for the decoder; with 'spatial', after the bottleneck), the
   * code (their mean, the encoded class token, or the bottlenecked tokens
   * concatenated) and the last block's attention weights among the patches [N, h, T, T].
   */
  private encodeTokens(ctx: GraphBuildContext, t: Value): { tokens: Value; code: Value; weights?: Value } {
    const { g } = ctx;
    const [n, len, d] = t.shape as [Dim, number, number];
    const cls = this.pooling === 'cls';
    if (cls) t = g.concat([g.add(g.zerosLike(g.slice(t, [0], [1], [1])), ctx.param('cls_token', 'embedding', [1, 1, d], 'glorotUniform')), t], 1);
    let weights: Value | undefined;
    for (const b of this.encoderBlocks) ({ output: t, weights } = b.apply(ctx, t));
    t = this.encoderNorm.call(ctx, t);
    if (this.bottleneck) {
      const b = this.bottleneck.call(ctx, t);
      return { tokens: b, code: g.reshape(b, [n, len * this.patchCode]), weights };
    }
    if (!cls) return { tokens: t, code: g.reduceMean(t, [1]), weights };
    const h = this.encoderConfig.numHeads;
    return {
      tokens: g.slice(t, [1], [len + 1], [1]),
      code: g.reshape(g.slice(t, [0], [1], [1]), [n, d]),
      weights: weights && g.slice(weights, [1, 1], [len + 1, len + 1], [2, 3]),
    };
  }

  /** Decoder on [N, P, D_dec] tokens in patch order → patch predictions [N, P, p·q·C] (before the output activation). */
  private decodeTokens(ctx: GraphBuildContext, t: Value): Value {
    t = this.decoderPosition.call(ctx, t);
    for (const b of this.decoderBlocks) t = b.call(ctx, t);
    return this.head.call(ctx, this.decoderNorm.call(ctx, t));
  }

  /**
   * A fresh random mask: the one-hot selection [N, K, P] of each sample's K
   * visible patches (in increasing order of their uniform draws) and the hidden
   * indicator [N, P] (1 on masked patches).
   */
  private drawMask(ctx: GraphBuildContext, tokens: Value): { select: Value; hidden: Value } {
    const { g } = ctx;
    const [n, p] = [tokens.shape[0]!, this.numPatches];
    const draws = g.randomUniformLike(g.reshape(g.slice(tokens, [0], [1], [2]), [n, p]));
    const { indices } = g.topK(draws, this.visiblePatches, { largest: false });
    const positions = g.constant(tensor('int64', [1, 1, p], Array.from({ length: p }, (_, i) => i)), 'mae_patch_positions');
    const select = g.cast(g.equal(g.reshape(indices, [n, this.visiblePatches, 1]), positions), tokens.dtype);
    return { select, hidden: g.sub(1, g.reduceSum(select, [1])) };
  }

  /** Encodes the visible patches of a fresh mask and decodes every patch: predictions [N, P, p·q·C] and the hidden indicator [N, P]. */
  private maskedForward(ctx: GraphBuildContext, x: Value): { logits: Value; hidden: Value } {
    const { g } = ctx;
    const tokens = this.tokens(ctx, x);
    const { select, hidden } = this.drawMask(ctx, tokens);
    const visible = this.encodeTokens(ctx, g.matmul(select, tokens)).tokens; // [N, K, D]
    const placed = g.matmul(g.transpose(select, [0, 2, 1]), this.decoderEmbed.call(ctx, visible)); // [N, P, D_dec], zeros where hidden
    const maskToken = ctx.param('mask_token', 'embedding', [this.decoderConfig.embedDim], 'glorotUniform');
    const n = x.shape[0]!;
    const full = g.add(placed, g.mul(g.reshape(hidden, [n, this.numPatches, 1]), maskToken));
    return { logits: this.decodeTokens(ctx, full), hidden };
  }

  /** Per-patch mean and standard deviation √(var + 1e-6) of [N, P, F] patches, keepdims. */
  private patchStats(ctx: GraphBuildContext, patches: Value): { mean: Value; std: Value } {
    const { g } = ctx;
    const mean = g.reduceMean(patches, [2], true);
    const variance = g.reduceMean(g.square(g.sub(patches, mean)), [2], true);
    return { mean, std: g.sqrt(g.add(variance, 1e-6)) };
  }

  /**
   * Objective: mean over masked patches of the per-patch mean squared error
   * between the prediction and the (optionally normalized) target patch.
   * Metric `reconstruction` is the same number; `visibleError`, the error on the
   * visible patches (not trained), shows how much the decoder copies.
   */
  override buildObjective(ctx: GraphBuildContext, x: Value, target: Value): { loss: Value; metrics: Record<string, Value> } {
    const { g } = ctx;
    const { logits, hidden } = this.maskedForward(ctx, x);
    let tgt = patchify(g, target, this.patchSize);
    if (this.normPixelLoss) {
      const { mean, std } = this.patchStats(ctx, tgt);
      tgt = g.div(g.sub(tgt, mean), std);
    }
    const perPatch = g.reduceMean(g.square(g.sub(this.activate(ctx, logits), tgt)), [2]); // [N, P]
    const maskedError = g.div(g.reduceSum(g.mul(perPatch, hidden)), g.reduceSum(hidden));
    const shown = g.sub(1, hidden);
    const visibleError = g.div(g.reduceSum(g.mul(perPatch, shown)), g.reduceSum(shown));
    const loss = this.visibleLossWeight > 0 ? g.add(maskedError, g.mul(visibleError, this.visibleLossWeight)) : maskedError;
    return { loss, metrics: { reconstruction: g.identity(maskedError), visibleError } };
  }

  /** Predicted patches mapped back to pixels of [N, C, H, W]: activation, and with normPixelLoss the input patches' statistics. */
  private toImage(ctx: GraphBuildContext, logits: Value, x: Value): Value {
    const { g } = ctx;
    let patches = this.activate(ctx, logits);
    if (this.normPixelLoss) {
      const { mean, std } = this.patchStats(ctx, patchify(g, x, this.patchSize));
      patches = g.add(g.mul(patches, std), mean);
    }
    return unpatchify(g, patches, this.inputShape as [number, number, number], this.patchSize);
  }

  /** Unmasked pass: the encoder on all P patches, the decoder on their tokens. */
  private fullForward(ctx: GraphBuildContext, x: Value): { code: Value; reconstruction: Value; weights?: Value } {
    const { g } = ctx;
    const { tokens, code, weights } = this.encodeTokens(ctx, this.tokens(ctx, x));
    const reconstruction = this.toImage(ctx, this.decodeTokens(ctx, this.decoderEmbed.call(ctx, tokens)), x);
    return { code, reconstruction, weights };
  }

  protected encodeGraph(ctx: GraphBuildContext, x: Value): Encoded {
    return { code: this.encodeTokens(ctx, this.tokens(ctx, x)).code };
  }

  protected decodeGraph(): Value {
    throw new Error(`${this.className}: the decoder reads patch tokens, not a pooled code, so a code alone cannot be decoded; use reconstruct(x)`);
  }

  override parts(): Record<string, ModelPart> {
    const errors = (ctx: GraphBuildContext, x: Value) => {
      const r = this.fullForward(ctx, x).reconstruction;
      return ctx.g.reduceMean(ctx.g.square(ctx.g.sub(r, x)), [1, 2, 3]);
    };
    return {
      model: { inputShape: this.inputShape, build: (ctx, x) => ({ reconstruction: this.fullForward(ctx, x).reconstruction }) },
      encoder: { inputShape: this.inputShape, build: (ctx, x) => ({ code: this.encodeGraph(ctx, x).code }) },
      errors: { inputShape: this.inputShape, build: (ctx, x) => ({ errors: errors(ctx, x) }) },
      masked: {
        inputShape: this.inputShape,
        build: (ctx, x) => {
          const { g } = ctx;
          const { logits, hidden } = this.maskedForward(ctx, x);
          const n = x.shape[0]!;
          const mask = unpatchify(g, g.expand(g.reshape(hidden, [n, this.numPatches, 1]), g.zerosLike(logits)), this.inputShape as [number, number, number], this.patchSize);
          const predicted = this.toImage(ctx, logits, x);
          return { reconstruction: g.add(g.mul(predicted, mask), g.mul(x, g.sub(1, mask))), mask };
        },
      },
      attention: { inputShape: this.inputShape, build: (ctx, x) => ({ weights: this.fullForward(ctx, x).weights! }) },
    };
  }

  override decode(_z: Float32Array): Promise<Float32Array> {
    return Promise.reject(new Error(`${this.className}.decode: the decoder reads patch tokens, not a pooled code, so a code alone cannot be decoded (no decode, sample or interpolate); use reconstruct(x)`));
  }

  override sample(_n: number, _seed?: number): Promise<Float32Array> {
    return this.decode(new Float32Array(0));
  }

  override interpolate(_a: Float32Array, _b: Float32Array, _steps: number): Promise<Float32Array> {
    return this.decode(new Float32Array(0));
  }

  protected summarySections(): SummarySection[] {
    const [c, h, w] = this.inputShape;
    const e = this.encoderConfig.embedDim;
    const d = this.decoderConfig.embedDim;
    const p = this.numPatches;
    const k = this.visiblePatches;
    return [
      { title: 'embed', inputShape: ['N', c!, h!, w!], layers: [this.embed, this.encoderPosition] },
      { title: `encoder (${k} of ${p} patches in training)`, inputShape: ['N', k, e], layers: [...this.encoderBlocks, this.encoderNorm, ...(this.bottleneck ? [this.bottleneck] : []), this.decoderEmbed] },
      { title: 'decoder', inputShape: ['N', p, d], layers: [this.decoderPosition, ...this.decoderBlocks, this.decoderNorm, this.head] },
    ];
  }

  /** Parameters of the layers, the decoder's mask token and the class token. */
  override countParams(): number {
    return super.countParams() + this.decoderConfig.embedDim + (this.pooling === 'cls' ? this.encoderConfig.embedDim : 0);
  }

  override summary(): string {
    return `${super.summary()}\nmask token: ${this.decoderConfig.embedDim} params; mask ratio ${this.maskRatio} (${this.visiblePatches} of ${this.numPatches} patches visible)${this.normPixelLoss ? '; normalized pixel targets' : ''}${this.pooling === 'cls' ? `; code: the class token (${this.encoderConfig.embedDim} params)` : ''}${this.bottleneck ? `; code: ${this.patchCode} values per patch × ${this.numPatches} patches` : ''}${this.visibleLossWeight > 0 ? `; loss: masked + ${this.visibleLossWeight} × visible patches` : ''}`;
  }

  protected ownConfig(): Record<string, unknown> {
    return {
      patchSize: [...this.patchSize],
      maskRatio: this.maskRatio,
      encoder: { ...this.encoderConfig },
      decoder: { ...this.decoderConfig },
      normPixelLoss: this.normPixelLoss,
      positional: this.positional,
      ...(this.pooling !== 'mean' ? { pooling: this.pooling } : {}),
      ...(this.bottleneck ? { patchCode: this.patchCode } : {}),
      ...(this.visibleLossWeight > 0 ? { visibleLossWeight: this.visibleLossWeight } : {}),
    };
  }

  override getConfig(): Record<string, unknown> {
    return { className: this.className, inputShape: [...this.inputShape], outputActivation: this.outputActivation, loss: 'mse', ...this.ownConfig() };
  }
}

registerModel('MaskedAutoencoder', (c) => new MaskedAutoencoder(c as unknown as MaskedAutoencoderConfig));
