/**
 * The Transformer autoencoder: a Transformer encoder over a sequence pooled
 * to one code vector, and a decoder whose position queries attend to that
 * code. One class for three kinds of sequence: token ids (sentences), time
 * series windows, and images read as rows or patches.
 */
import { Graph, type Value } from '../graph/graph.js';
import { type Dim, type Shape, tensor } from '../graph/types.js';
import { GraphBuildContext, type Layer } from '../layers/core.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import { LayerNormalization } from '../layers/normalization.js';
import { MultiHeadAttention, PatchEmbedding, PositionalEmbedding, TransformerBlock, unpatchify } from '../layers/attention.js';
import { sequenceCrossEntropy } from '../losses/index.js';
import { type ModelPart } from '../train/model.js';
import { AutoencoderModel, COMMON_FIELDS, type CommonConfig, type Encoded, type SummaryRow, type SummarySection, fieldsOf, parseCommon, registerModel } from './base.js';
import { ConfigError, numberIn, oneOf, opt, positiveInt, positiveInts, req } from './config.js';
import { imageShape } from './conv.js';
import { decoderOutputBias, vocabularyArg } from './sentence.js';

/** What a {@link TransformerAutoencoder} reads: token ids [T], a series window [T, F] or an image [C, H, W]. */
export type SequenceKind = 'tokens' | 'series' | 'image';

/** Config of a {@link TransformerAutoencoder} (also its constructor's argument). */
export interface TransformerAutoencoderConfig extends Omit<CommonConfig, 'inputShape'> {
  /**
   * [T] token ids (with `vocabSize`), [T, F] a series window of T steps of F
   * features, or [C, H, W] an image, read as a sequence of patches.
   */
  inputShape: number[];
  /** Tokens: vocabulary size V, the four special tokens of src/data/text.ts included. Its presence makes the input token ids. */
  vocabSize?: number;
  /** Tokens: the vocabulary's tokens by id, kept with the model so that a saved model can decode. */
  vocabulary?: string[];
  /** Images: patch height and width (one number: square); must tile the image. Default [1, W]: each row one token. */
  patchSize?: number | [number, number];
  /** Token features D. Default 64. */
  embedDim?: number;
  /** Attention heads; must divide embedDim. Default 4. */
  numHeads?: number;
  /** Hidden features of each block's MLP. Default 2 × embedDim. */
  mlpDim?: number;
  /** Encoder blocks. Default 2. */
  encoderDepth?: number;
  /** Decoder blocks (self-attention, cross-attention to the code, MLP). Default 2. */
  decoderDepth?: number;
  /** Code size k. Default 32. */
  latentDim?: number;
  /**
   * How the encoded tokens become one vector before the linear map to the
   * code: 'attention' (default), a learned query attending over them (a
   * [CLS]-style read-out that can weigh tokens by content and position), or
   * 'mean', their mean (over real tokens only, for token ids).
   */
  pooling?: 'attention' | 'mean';
  /** The code is mapped linearly to this many memory tokens of width D, which the decoder's queries attend to. Default 4. */
  memoryTokens?: number;
  /** Position embeddings of the encoder and of the decoder's queries: 'learned' (default) or 'sinusoidal'. */
  positional?: 'learned' | 'sinusoidal';
  /** Dropout after each attention and MLP, while training. Default 0. */
  dropout?: number;
}

const OWN_FIELDS = ['vocabSize', 'vocabulary', 'patchSize', 'embedDim', 'numHeads', 'mlpDim', 'encoderDepth', 'decoderDepth', 'latentDim', 'pooling', 'memoryTokens', 'positional', 'dropout'] as const;

function patchPair(v: unknown, path: string): [number, number] {
  if (typeof v === 'number') return [positiveInt(v, path), positiveInt(v, path)];
  if (Array.isArray(v) && v.length === 2) return [positiveInt(v[0], `${path}[0]`), positiveInt(v[1], `${path}[1]`)];
  throw new ConfigError(path, `expected a positive integer or a pair of them, got ${JSON.stringify(v)}`);
}

/**
 * Transformer autoencoder (Vaswani et al. 2017's blocks, pre-LN) for sequences.
 *
 * Encoder: each position becomes a token of D features (token ids: an
 * Embedding; a series: a linear map of each step's F features; an image: a
 * linear map of each p × q patch, rows by default), plus a position
 * embedding; `encoderDepth` Transformer blocks (token ids: padding masked
 * out of the keys) and a LayerNorm; pooling to one vector (a learned query
 * attending over the tokens, or their mean); Dense(k): the code.
 *
 * Decoder: Dense(M·D) maps the code to M memory tokens; T queries, each the
 * decoder's position embedding of its position, go through `decoderDepth`
 * blocks of self-attention, cross-attention to the memory and an MLP; a
 * LayerNorm and a linear head give each position's output: V logits per
 * token, F values per step, p·q·C pixels per patch (put back into the image).
 * The decoder is not autoregressive: every position is predicted at once from
 * the code alone, so the code must carry the whole sequence.
 *
 * Loss: token ids, the cross-entropy of every real token (`<eos>` included,
 * padding masked) averaged over the real tokens, metric `accuracy`; series
 * and images, the config's reconstruction loss (MSE by default; BCE with a
 * sigmoid output for images in [0, 1]) and the common options (noise,
 * sparsity…), as for any autoencoder.
 *
 * Inference parts: `encoder` (x → `code`), `decoder` (code → reconstruction;
 * token ids: the most likely id at each position), `model`, `errors` (token
 * ids: NLL per real token), `sampler` (token ids: ids drawn from each
 * position's softmax) and `attention` (x → `weights`, the last encoder
 * block's self-attention [h, T, T]; `pooling`, the read-out query's weights
 * over the tokens [h, 1, T] with attention pooling; `cross`, the last decoder
 * block's weights over the memory [h, T, M]).
 */
export class TransformerAutoencoder extends AutoencoderModel {
  readonly className = 'TransformerAutoencoder';
  readonly kind: SequenceKind;
  readonly vocabSize?: number;
  readonly vocabulary?: string[];
  readonly patchSize?: [number, number];
  readonly embedDim: number;
  readonly numHeads: number;
  readonly mlpDim: number;
  readonly encoderDepth: number;
  readonly decoderDepth: number;
  readonly latentDim: number;
  readonly pooling: 'attention' | 'mean';
  readonly memoryTokens: number;
  readonly positional: 'learned' | 'sinusoidal';
  readonly dropout: number;
  readonly latentShape: number[];
  /** A deterministic code (the sentence pipeline asks). */
  readonly variational = false;
  /** Sequence length T: tokens, steps, or patches of an image. */
  readonly steps: number;
  /** Output features of each position: V, F or p·q·C. */
  readonly tokenFeatures: number;

  private readonly embed: Layer;
  private readonly encoderPosition: PositionalEmbedding;
  private readonly encoderBlocks: TransformerBlock[];
  private readonly encoderNorm: LayerNormalization;
  private readonly pool?: MultiHeadAttention;
  private readonly codeHead: Dense;
  private readonly memory: Dense;
  private readonly decoderPosition: PositionalEmbedding;
  private readonly decoderBlocks: TransformerBlock[];
  private readonly decoderNorm: LayerNormalization;
  private readonly head: Dense;

  constructor(config: TransformerAutoencoderConfig) {
    const c = fieldsOf(config, [...COMMON_FIELDS, ...OWN_FIELDS]);
    const inputShape = req(c, 'inputShape', 'config', positiveInts);
    const tokens = c.vocabSize !== undefined;
    if (tokens) {
      const extra = COMMON_FIELDS.filter((f) => f !== 'className' && f !== 'inputShape' && c[f] !== undefined);
      if (extra.length) throw new ConfigError(`config.${extra[0]}`, 'token ids are trained with the cross-entropy of each token; the reconstruction options of continuous inputs do not apply');
      if (inputShape.length !== 1 || inputShape[0]! < 2) throw new ConfigError('config.inputShape', `token ids need [T] with T >= 2, got [${inputShape}]`);
      super({ inputShape, loss: 'mse', outputActivation: 'linear', reduction: 'perElement' });
    } else {
      super(parseCommon(c, 'config'));
      if (inputShape.length !== 2 && inputShape.length !== 3) {
        throw new ConfigError('config.inputShape', `a Transformer autoencoder reads [T] token ids (with vocabSize), [T, F] series windows or [C, H, W] images, got [${inputShape}]`);
      }
    }
    this.kind = tokens ? 'tokens' : inputShape.length === 2 ? 'series' : 'image';
    this.embedDim = opt(c, 'embedDim', 'config', positiveInt, 64);
    this.numHeads = opt(c, 'numHeads', 'config', positiveInt, 4);
    if (this.embedDim % this.numHeads !== 0) throw new ConfigError('config.numHeads', `${this.numHeads} heads must divide embedDim ${this.embedDim}`);
    this.mlpDim = opt(c, 'mlpDim', 'config', positiveInt, 2 * this.embedDim);
    this.encoderDepth = opt(c, 'encoderDepth', 'config', positiveInt, 2);
    this.decoderDepth = opt(c, 'decoderDepth', 'config', positiveInt, 2);
    this.latentDim = opt(c, 'latentDim', 'config', positiveInt, 32);
    this.pooling = opt(c, 'pooling', 'config', (v, p) => oneOf(v, p, ['attention', 'mean'] as const), 'attention');
    this.memoryTokens = opt(c, 'memoryTokens', 'config', positiveInt, 4);
    this.positional = opt(c, 'positional', 'config', (v, p) => oneOf(v, p, ['learned', 'sinusoidal'] as const), 'learned');
    this.dropout = opt(c, 'dropout', 'config', (v, p) => numberIn(v, p, 0, 1, { max: true }), 0);
    this.latentShape = [this.latentDim];
    const d = this.embedDim;

    if (this.kind === 'tokens') {
      this.vocabSize = req(c, 'vocabSize', 'config', positiveInt);
      this.vocabulary = vocabularyArg(c.vocabulary, this.vocabSize);
      this.steps = inputShape[0]!;
      this.tokenFeatures = this.vocabSize;
      this.embed = new Embedding({ name: 'embed', inputDim: this.vocabSize, outputDim: d });
    } else if (this.kind === 'series') {
      for (const f of ['vocabulary', 'patchSize'] as const) if (c[f] !== undefined) throw new ConfigError(`config.${f}`, `applies to ${f === 'patchSize' ? 'images' : 'token ids'}, not to series windows [T, F]`);
      this.steps = inputShape[0]!;
      this.tokenFeatures = inputShape[1]!;
      this.embed = new Dense({ name: 'embed', units: d });
    } else {
      if (c.vocabulary !== undefined) throw new ConfigError('config.vocabulary', 'applies to token ids, not to images');
      const [channels, h, w] = imageShape(inputShape, 'a Transformer autoencoder');
      this.patchSize = c.patchSize === undefined ? [1, w] : patchPair(c.patchSize, 'config.patchSize');
      const [p, q] = this.patchSize;
      if (h % p !== 0 || w % q !== 0) throw new ConfigError('config.patchSize', `patches of ${p}×${q} must tile the ${h}×${w} image`);
      this.steps = (h / p) * (w / q);
      this.tokenFeatures = p * q * channels;
      this.embed = new PatchEmbedding({ name: 'embed', patchSize: this.patchSize, embedDim: d });
    }
    const block = (prefix: string, i: number, crossAttention: boolean) => new TransformerBlock({ name: `${prefix}_block_${i}`, numHeads: this.numHeads, mlpDim: this.mlpDim, dropout: this.dropout, crossAttention });
    this.encoderPosition = new PositionalEmbedding({ name: 'encoder_position', kind: this.positional });
    this.encoderBlocks = Array.from({ length: this.encoderDepth }, (_, i) => block('encoder', i, false));
    this.encoderNorm = new LayerNormalization({ name: 'encoder_norm' });
    if (this.pooling === 'attention') this.pool = new MultiHeadAttention({ name: 'pool', numHeads: this.numHeads, keyDim: d / this.numHeads });
    this.codeHead = new Dense({ name: 'code', units: this.latentDim });
    this.memory = new Dense({ name: 'memory', units: this.memoryTokens * d });
    this.decoderPosition = new PositionalEmbedding({ name: 'decoder_position', kind: this.positional });
    this.decoderBlocks = Array.from({ length: this.decoderDepth }, (_, i) => block('decoder', i, true));
    this.decoderNorm = new LayerNormalization({ name: 'decoder_norm' });
    this.head = new Dense({ name: 'decoder_output', units: this.tokenFeatures });
  }

  /** Token ids: 1 at real tokens (ids > 0: words and `<eos>`), 0 at padding. */
  private keep(ctx: GraphBuildContext, x: Value): Value | undefined {
    return this.kind === 'tokens' ? ctx.g.cast(ctx.g.greater(x, 0.5), x.dtype) : undefined;
  }

  /** The encoder up to its final norm: tokens [N, T, D] and the last block's weights [N, h, T, T]. */
  private encodeTokens(ctx: GraphBuildContext, x: Value, keep?: Value): { tokens: Value; weights?: Value } {
    let t = this.encoderPosition.call(ctx, this.embed.call(ctx, x));
    let weights: Value | undefined;
    for (const b of this.encoderBlocks) ({ output: t, weights } = b.apply(ctx, t, keep ? { keyPadding: keep } : {}));
    return { tokens: this.encoderNorm.call(ctx, t), weights };
  }

  /** One vector [N, D] of the encoded tokens, and the read-out query's weights [N, h, 1, T] with attention pooling. */
  private poolTokens(ctx: GraphBuildContext, tokens: Value, keep?: Value): { pooled: Value; weights?: Value } {
    const { g } = ctx;
    const n = tokens.shape[0]!;
    const d = this.embedDim;
    if (this.pool) {
      const query = ctx.param('pool_query', 'embedding', [1, 1, d], 'glorotUniform');
      const queries = g.add(g.zerosLike(g.slice(tokens, [0], [1], [1])), query); // [N, 1, D]
      const { output, weights } = this.pool.attend(ctx, queries, tokens, keep ? { keyPadding: keep } : {});
      return { pooled: g.reshape(output, [n, d]), weights };
    }
    if (!keep) return { pooled: g.reduceMean(tokens, [1]) };
    const summed = g.reduceSum(g.mul(tokens, g.reshape(keep, [n, this.steps, 1])), [1]);
    return { pooled: g.div(summed, g.reduceSum(keep, [1], true)) };
  }

  private encodeAll(ctx: GraphBuildContext, x: Value): { code: Value; weights?: Value; poolWeights?: Value } {
    const keep = this.keep(ctx, x);
    const { tokens, weights } = this.encodeTokens(ctx, x, keep);
    const { pooled, weights: poolWeights } = this.poolTokens(ctx, tokens, keep);
    return { code: this.codeHead.call(ctx, pooled), weights, poolWeights };
  }

  protected encodeGraph(ctx: GraphBuildContext, x: Value): Encoded {
    return { code: this.encodeAll(ctx, x).code };
  }

  /** The decoder's per-position outputs [N, T, V | F | p·q·C] (before any activation), and the last block's cross-attention weights. */
  private decodePositions(ctx: GraphBuildContext, z: Value): { out: Value; cross?: Value } {
    const { g } = ctx;
    const n: Dim = z.shape[0]!;
    const d = this.embedDim;
    const memory = g.reshape(this.memory.call(ctx, z), [n, this.memoryTokens, d]);
    // Queries are the position embeddings alone, the same for every sample: what differs is what they read from the memory.
    const zeros = g.add(g.zerosLike(g.slice(memory, [0], [1], [1])), g.constant(tensor(z.dtype === 'float64' ? 'float64' : 'float32', [this.steps, d], new Float32Array(this.steps * d)), 'decoder_query_zeros'));
    let t = this.decoderPosition.call(ctx, zeros);
    let cross: Value | undefined;
    for (const b of this.decoderBlocks) ({ output: t, crossWeights: cross } = b.apply(ctx, t, { memory }));
    return { out: this.head.call(ctx, this.decoderNorm.call(ctx, t)), cross };
  }

  /** Continuous inputs: the decoder's output in the input's layout, before the output activation. */
  protected decodeGraph(ctx: GraphBuildContext, z: Value): Value {
    const { out } = this.decodePositions(ctx, z);
    if (this.kind === 'tokens') return this.argmaxIds(ctx, out);
    return this.kind === 'image' ? unpatchify(ctx.g, out, this.inputShape as [number, number, number], this.patchSize!) : out;
  }

  /** Token ids: the most likely id at each position, [N, T] as float32. */
  private argmaxIds(ctx: GraphBuildContext, logits: Value): Value {
    const { g } = ctx;
    const n: Dim = logits.shape[0]!;
    return g.cast(g.reshape(g.topK(logits, 1, { axis: 2 }).indices, [n, this.steps]), 'float32');
  }

  /** Token ids drawn from each position's softmax by the Gumbel-max trick. */
  private sampleIds(ctx: GraphBuildContext, logits: Value): Value {
    const { g } = ctx;
    return this.argmaxIds(ctx, g.sub(logits, g.log(g.neg(g.log(g.randomUniformLike(logits, 1e-20, 1))))));
  }

  /** Token ids: the cross-entropy of the real tokens of `target` under the decoding of `x`'s code. */
  private tokenLoss(ctx: GraphBuildContext, x: Value, target: Value): ReturnType<typeof sequenceCrossEntropy> {
    return sequenceCrossEntropy(this.decodePositions(ctx, this.encodeAll(ctx, x).code).out, target, this.keep(ctx, target)!);
  }

  override buildObjective(ctx: GraphBuildContext, x: Value, target: Value): ReturnType<AutoencoderModel['buildObjective']> {
    if (this.kind !== 'tokens') return super.buildObjective(ctx, x, target);
    const { g } = ctx;
    const ce = this.tokenLoss(ctx, x, target);
    return { loss: ce.mean, metrics: { reconstruction: g.identity(ce.mean), accuracy: g.div(ce.correct, ce.tokens) } };
  }

  /** Token ids: NLL per real token of each row. */
  private tokenErrors(ctx: GraphBuildContext, x: Value): Value {
    return ctx.g.div(this.tokenLoss(ctx, x, x).perSample, ctx.g.reduceSum(this.keep(ctx, x)!, [1]));
  }

  override parts(): Record<string, ModelPart> {
    const attention: ModelPart = {
      inputShape: this.inputShape,
      build: (ctx, x) => {
        const e = this.encodeAll(ctx, x);
        const { cross } = this.decodePositions(ctx, e.code);
        return { weights: e.weights!, ...(e.poolWeights ? { pooling: e.poolWeights } : {}), cross: cross! };
      },
    };
    if (this.kind !== 'tokens') return { ...super.parts(), attention };
    return {
      ...super.parts(),
      model: { inputShape: this.inputShape, build: (ctx, x) => ({ reconstruction: this.decodeGraph(ctx, this.encodeGraph(ctx, x).code) }) },
      decoder: { inputShape: this.latentShape, build: (ctx, z) => ({ reconstruction: this.decodeGraph(ctx, z) }) },
      sampler: { inputShape: this.latentShape, build: (ctx, z) => ({ reconstruction: this.sampleIds(ctx, this.decodePositions(ctx, z).out) }) },
      errors: { inputShape: this.inputShape, build: (ctx, x) => ({ errors: this.tokenErrors(ctx, x) }) },
      attention,
    };
  }

  override scoringOutputs(ctx: GraphBuildContext, x: Value): ReturnType<AutoencoderModel['scoringOutputs']> {
    if (this.kind !== 'tokens') return super.scoringOutputs(ctx, x);
    const code = this.encodeGraph(ctx, x).code;
    const logits = this.decodePositions(ctx, code).out;
    const ce = sequenceCrossEntropy(logits, x, this.keep(ctx, x)!);
    return { code, reconstruction: this.argmaxIds(ctx, logits), errors: ctx.g.div(ce.perSample, ctx.g.reduceSum(this.keep(ctx, x)!, [1])), encoder: { code } };
  }

  /** Token ids: decodes codes [n, k] by drawing each position's id from its softmax (the `sampler` part). */
  sampleFromCodes(z: Float32Array): Promise<Float32Array> {
    this.requireTokens('sampleFromCodes');
    return this.runPart('sampler', { x: z, shape: [z.length / this.latentDim, this.latentDim] }).then((out) => out.reconstruction!);
  }

  /**
   * Token ids: starts the output layer at the unigram model (its bias the
   * add-one smoothed log frequency of each id among the real tokens of
   * `rows`), as `SentenceAutoencoder.initOutputBias` does. Call after `compile`.
   */
  initOutputBias(rows: Float32Array): void {
    this.requireTokens('initOutputBias');
    this.setWeights({ 'decoder_output/bias': decoderOutputBias(rows, this.vocabSize!) });
  }

  private requireTokens(what: string): void {
    if (this.kind !== 'tokens') throw new Error(`${this.className}.${what}: only a model of token ids (vocabSize set) has a vocabulary; this one reads ${this.kind === 'series' ? 'series windows' : 'images'}`);
  }

  /** Rows per layer, parameters counted by building the whole model once (decoder blocks need their memory, so they cannot be built alone). */
  override summaryRows(): SummaryRow[] {
    const g = new Graph();
    const ctx = new GraphBuildContext(g, false);
    this.decodePositions(ctx, this.encodeGraph(ctx, g.input('x', ['N', ...this.inputShape])).code);
    const count = (layer: string) => ctx.specs.filter((s) => s.name.startsWith(`${layer}/`)).reduce((a, s) => a + s.shape.reduce((p, v) => p * v, 1), 0);
    const [t, d] = [this.steps, this.embedDim];
    const row = (section: string, layer: { name: string; className: string }, outputShape: Shape): SummaryRow => ({ section, layer: layer.name, className: layer.className, outputShape, params: count(layer.name) });
    const tokens: Shape = ['N', t, d];
    return [
      row('encoder', this.embed, tokens),
      row('encoder', this.encoderPosition, tokens),
      ...this.encoderBlocks.map((b) => row('encoder', b, tokens)),
      row('encoder', this.encoderNorm, tokens),
      ...(this.pool ? [row('encoder', { name: 'pool_query', className: 'Parameter' }, [1, 1, d]), row('encoder', this.pool, ['N', 1, d])] : []),
      row('encoder', this.codeHead, ['N', this.latentDim]),
      row('decoder', this.memory, ['N', this.memoryTokens * d]),
      row('decoder', this.decoderPosition, tokens),
      ...this.decoderBlocks.map((b) => row('decoder', b, tokens)),
      row('decoder', this.decoderNorm, tokens),
      row('decoder', this.head, ['N', t, this.tokenFeatures]),
    ];
  }

  protected summarySections(): SummarySection[] {
    return [];
  }

  override summary(): string {
    const what = this.kind === 'tokens' ? `${this.steps} token ids of ${this.vocabSize}` : this.kind === 'series' ? `${this.steps} steps` : `${this.steps} patches of ${this.patchSize!.join('×')}`;
    return `${super.summary()}\nsequence: ${what}; pooling ${this.pooling}; the code read by the decoder as ${this.memoryTokens} memory tokens`;
  }

  override getConfig(): Record<string, unknown> {
    if (this.kind !== 'tokens') return super.getConfig();
    return { className: this.className, inputShape: [...this.inputShape], ...this.ownConfig() };
  }

  protected ownConfig(): Record<string, unknown> {
    return {
      ...(this.vocabSize !== undefined ? { vocabSize: this.vocabSize } : {}),
      ...(this.patchSize ? { patchSize: [...this.patchSize] } : {}),
      embedDim: this.embedDim, numHeads: this.numHeads, mlpDim: this.mlpDim, encoderDepth: this.encoderDepth, decoderDepth: this.decoderDepth,
      latentDim: this.latentDim, pooling: this.pooling, memoryTokens: this.memoryTokens, positional: this.positional, dropout: this.dropout,
      ...(this.vocabulary ? { vocabulary: [...this.vocabulary] } : {}),
    };
  }
}

/**
 * Widths and depths of the `transformer` and `text-transformer` presets (and
 * of the series model of that name): small enough to train on two CPU cores
 * in minutes.
 */
export const TRANSFORMER_PRESET = { embedDim: 64, numHeads: 4, mlpDim: 128, encoderDepth: 2, decoderDepth: 2 } as const;

registerModel('TransformerAutoencoder', (c) => new TransformerAutoencoder(c as unknown as TransformerAutoencoderConfig));
