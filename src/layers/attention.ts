/**
 * Attention layers: multi-head scaled dot-product attention (self and cross,
 * key-padding and causal masks), positional embeddings, patch embedding of
 * images, and a pre-LN Transformer block built from them.
 */
import { type Graph, MASK_NEGATIVE, type Value } from '../graph/graph.js';
import { type Dim, type Shape, tensor } from '../graph/types.js';
import { type BuildContext, type Initializer, Layer, registerLayer } from './core.js';
import { Dense } from './dense.js';
import { LayerNormalization } from './normalization.js';
import { argNames, boolArg, checkLayerArgs, expectShape, initializerArg, intPair, knownDim, layerError, positiveInt, requireRank, show } from './utils.js';

/**
 * Cuts NCHW images into non-overlapping p × q patches: [N, C, H, W] →
 * [N, (H/p)·(W/q), p·q·C]. Patches are numbered row by row; the values of a
 * patch are ordered by (row, column, channel), as in He et al.'s MAE code
 * layout. H and W must be multiples of p and q.
 */
export function patchify(g: Graph, x: Value, [p, q]: [number, number]): Value {
  const [n, c, h, w] = x.shape as [Dim, number, number, number];
  if (x.rank !== 4 || h % p !== 0 || w % q !== 0) throw new Error(`patchify: ${p}×${q} patches need an [N, C, H, W] input with H and W multiples of them, got [${x.shape.join(', ')}]`);
  const split = g.reshape(x, [n, c, h / p, p, w / q, q]);
  return g.reshape(g.transpose(split, [0, 2, 4, 3, 5, 1]), [n, (h / p) * (w / q), p * q * c]);
}

/** The inverse of {@link patchify}: [N, (H/p)·(W/q), p·q·C] → [N, C, H, W]. */
export function unpatchify(g: Graph, y: Value, [c, h, w]: [number, number, number], [p, q]: [number, number]): Value {
  const n = y.shape[0]!;
  const split = g.reshape(y, [n, h / p, w / q, p, q, c]);
  return g.reshape(g.transpose(split, [0, 5, 1, 3, 2, 4]), [n, c, h, w]);
}

/**
 * The additive attention mask [N, 1, 1, S] of a key-padding mask `keep`
 * [N, S] (1 where a key may be attended to, 0 for padding): 0 where kept,
 * {@link MASK_NEGATIVE} where padded.
 */
export function keyPaddingMask(g: Graph, keep: Value): Value {
  const [n, s] = keep.shape as [Dim, Dim];
  return g.reshape(g.mul(g.sub(1, keep), MASK_NEGATIVE), [n, 1, 1, s]);
}

/** The additive causal mask [T, S] as a constant: query t may attend to keys s ≤ t only. */
export function causalMask(g: Graph, t: number, s: number, dtype: 'float32' | 'float64' = 'float32'): Value {
  const values = Array.from({ length: t * s }, (_, i) => (i % s > Math.floor(i / s) ? MASK_NEGATIVE : 0));
  return g.constant(tensor(dtype, [t, s], values), 'causal_mask');
}

/**
 * The sinusoidal table of Vaswani et al. 2017, [T, D] row-major:
 * PE[t, 2i] = sin(t / 10000^(2i/D)), PE[t, 2i + 1] = cos(t / 10000^(2i/D)).
 */
export function sinusoidalTable(t: number, d: number): Float32Array {
  const out = new Float32Array(t * d);
  for (let pos = 0; pos < t; pos++) {
    for (let j = 0; j < d; j++) {
      const angle = pos / 10000 ** ((2 * Math.floor(j / 2)) / d);
      out[pos * d + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

/** A projection x·W + b on the last axis of a rank-3 value; parameters `${layer}/${part}/kernel` and `/bias` (`${layer}/kernel` without a part). */
function project(ctx: BuildContext, layer: string, part: string, x: Value, units: number, init: Initializer, useBias: boolean): Value {
  const f = x.shape[x.rank - 1] as number;
  const prefix = part ? `${part}/` : '';
  const w = ctx.param(layer, `${prefix}kernel`, [f, units], init, 'dense');
  const y = ctx.g.matmul(x, w);
  return useBias ? ctx.g.add(y, ctx.param(layer, `${prefix}bias`, [units], 'zeros')) : y;
}

export interface MultiHeadAttentionArgs {
  /** Attention heads h. */
  numHeads: number;
  /** Size of each head's queries and keys, d_k. */
  keyDim: number;
  /** Size of each head's values. Default keyDim. */
  valueDim?: number;
  /** Output features. Default: the query's features. */
  outputDim?: number;
  /** Biases on the four projections. Default true. */
  useBias?: boolean;
  /** Apply the causal mask in `call` (self-attention of a decoder). Default false. */
  causal?: boolean;
  /** The four projection kernels. Default 'glorotUniform'. */
  kernelInitializer?: Initializer;
  name?: string;
}

const MULTI_HEAD_ATTENTION_ARGS = argNames<MultiHeadAttentionArgs>()(['numHeads', 'keyDim', 'valueDim', 'outputDim', 'useBias', 'causal', 'kernelInitializer', 'name']);

/** Masks of one {@link MultiHeadAttention.attend} call. */
export interface AttendOptions {
  /** [N, S]: 1 where a key (a position of `value`) may be attended to, 0 where it is padding. */
  keyPadding?: Value;
  /** Query t attends to keys s ≤ t only. Default: the layer's `causal`. */
  causal?: boolean;
}

/** What {@link MultiHeadAttention.attend} returns. */
export interface Attended {
  /** [N, T, outputDim] */
  output: Value;
  /** The attention weights [N, h, T, S], each row summing to 1. */
  weights: Value;
}

/**
 * Multi-head scaled dot-product attention (Vaswani et al. 2017) on [N, T, F]
 * queries and [N, S, F'] values (the keys are the values):
 * headᵢ = softmax(QᵢKᵢᵀ / √d_k + M) Vᵢ with Qᵢ = x_q W_Qᵢ, Kᵢ = x_v W_Kᵢ,
 * Vᵢ = x_v W_Vᵢ, and output = concat(head₁ … head_h) W_O. M is the additive
 * mask: 0 where allowed, −1e9 for padded keys and, when causal, for s > t.
 * Heads are batched: one MatMul for all scores, one for all weighted sums.
 * `call(x)` is self-attention; {@link attend} takes separate queries and values
 * (cross-attention) and masks, and also returns the attention weights.
 * Parameters: `${name}/query/kernel` [F, h·d_k], `/key/kernel`, `/value/kernel`
 * [F', h·d_v], `/output/kernel` [h·d_v, outputDim], and a `/bias` for each.
 */
export class MultiHeadAttention extends Layer {
  readonly className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly outputDim?: number;
  readonly useBias: boolean;
  readonly causal: boolean;
  readonly kernelInitializer: Initializer;

  constructor(args: MultiHeadAttentionArgs) {
    super(checkLayerArgs('MultiHeadAttention', args, MULTI_HEAD_ATTENTION_ARGS).name, 'MultiHeadAttention');
    this.numHeads = positiveInt(this, 'numHeads', args.numHeads);
    this.keyDim = positiveInt(this, 'keyDim', args.keyDim);
    this.valueDim = args.valueDim === undefined ? this.keyDim : positiveInt(this, 'valueDim', args.valueDim);
    this.outputDim = args.outputDim === undefined ? undefined : positiveInt(this, 'outputDim', args.outputDim);
    this.useBias = boolArg(this, 'useBias', args.useBias, true);
    this.causal = boolArg(this, 'causal', args.causal, false);
    this.kernelInitializer = initializerArg(this, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
  }

  computeOutputShape(input: Shape): Shape {
    requireRank(this, input, [3], '[N, T, features]');
    const f = knownDim(this, input, 2, 'the feature dim');
    knownDim(this, input, 1, 'the sequence length');
    return [input[0]!, input[1]!, this.outputDim ?? f];
  }

  call(ctx: BuildContext, x: Value): Value {
    return this.attend(ctx, x, x).output;
  }

  /** Attention of `query` [N, T, F] over `value` [N, S, F'], with optional masks. */
  attend(ctx: BuildContext, query: Value, value: Value, opts: AttendOptions = {}): Attended {
    const out = this.computeOutputShape(query.shape);
    this.computeOutputShape(value.shape);
    const { g } = ctx;
    const [n, t] = query.shape as [Dim, number];
    const s = value.shape[1] as number;
    if (value.shape[0] !== n) throw layerError(this, `query [${query.shape.join(', ')}] and value [${value.shape.join(', ')}] have different batch dims`);
    const h = this.numHeads;
    const heads = (v: Value, len: number, size: number, perm: number[]) => g.transpose(g.reshape(v, [n, len, h, size]), perm);
    // Scaling the queries instead of the [N, h, T, S] scores touches fewer values.
    const q = heads(g.mul(project(ctx, this.name, 'query', query, h * this.keyDim, this.kernelInitializer, this.useBias), 1 / Math.sqrt(this.keyDim)), t, this.keyDim, [0, 2, 1, 3]);
    const k = heads(project(ctx, this.name, 'key', value, h * this.keyDim, this.kernelInitializer, this.useBias), s, this.keyDim, [0, 2, 3, 1]);
    const v = heads(project(ctx, this.name, 'value', value, h * this.valueDim, this.kernelInitializer, this.useBias), s, this.valueDim, [0, 2, 1, 3]);
    let mask: Value | undefined;
    if (opts.keyPadding) {
      const kp = opts.keyPadding;
      if (kp.rank !== 2 || kp.shape[0] !== n || kp.shape[1] !== s) throw layerError(this, `keyPadding must be [${n}, ${s}] (batch, keys), got [${kp.shape.join(', ')}]`);
      mask = keyPaddingMask(g, kp);
    }
    if (opts.causal ?? this.causal) {
      const c = causalMask(g, t, s, query.dtype === 'float64' ? 'float64' : 'float32');
      mask = mask ? g.add(mask, c) : c;
    }
    const weights = g.maskedSoftmax(g.matmul(q, k), mask, -1); // [N, h, T, S]
    const merged = g.reshape(g.transpose(g.matmul(weights, v), [0, 2, 1, 3]), [n, t, h * this.valueDim]);
    const y = project(ctx, this.name, 'output', merged, out[2] as number, this.kernelInitializer, this.useBias);
    return { output: expectShape(this, y, out), weights };
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name, numHeads: this.numHeads, keyDim: this.keyDim, valueDim: this.valueDim,
      ...(this.outputDim !== undefined ? { outputDim: this.outputDim } : {}),
      useBias: this.useBias, causal: this.causal, kernelInitializer: this.kernelInitializer,
    };
  }
}

export interface PositionalEmbeddingArgs {
  /** 'learned': a trained [T, D] table; 'sinusoidal': the fixed table of Vaswani et al. Default 'learned'. */
  kind?: 'learned' | 'sinusoidal';
  /** The learned table's initializer. Default 'glorotUniform'. */
  initializer?: Initializer;
  name?: string;
}

const POSITIONAL_EMBEDDING_ARGS = argNames<PositionalEmbeddingArgs>()(['kind', 'initializer', 'name']);

/**
 * Adds a position code to each step of [N, T, D]: y[n, t] = x[n, t] + PE[t].
 * Learned: parameter `${name}/embeddings` [T, D]; sinusoidal: a constant
 * ({@link sinusoidalTable}), no parameters.
 */
export class PositionalEmbedding extends Layer {
  readonly className = 'PositionalEmbedding';
  readonly kind: 'learned' | 'sinusoidal';
  readonly initializer: Initializer;

  constructor(args?: PositionalEmbeddingArgs) {
    super((args = checkLayerArgs('PositionalEmbedding', args, POSITIONAL_EMBEDDING_ARGS, true)).name, 'PositionalEmbedding');
    const kind = args.kind ?? 'learned';
    if (kind !== 'learned' && kind !== 'sinusoidal') throw layerError(this, `kind must be 'learned' or 'sinusoidal', got ${show(args.kind)}`);
    this.kind = kind;
    this.initializer = initializerArg(this, 'initializer', args.initializer ?? 'glorotUniform');
  }

  computeOutputShape(input: Shape): Shape {
    requireRank(this, input, [3], '[N, T, D]');
    knownDim(this, input, 1, 'the sequence length');
    knownDim(this, input, 2, 'the feature dim');
    return [...input];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const [t, d] = [x.shape[1] as number, x.shape[2] as number];
    const table = this.kind === 'learned'
      ? ctx.param(this.name, 'embeddings', [t, d], this.initializer, 'dense')
      : ctx.g.constant(tensor(x.dtype, [t, d], sinusoidalTable(t, d)), `${this.name}/sinusoidal`);
    return expectShape(this, ctx.g.add(x, table), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, kind: this.kind, ...(this.kind === 'learned' ? { initializer: this.initializer } : {}) };
  }
}

export interface PatchEmbeddingArgs {
  /** Patch height and width (one number: square). */
  patchSize: number | [number, number];
  /** Features of each patch token. */
  embedDim: number;
  /** Default 'glorotUniform'. */
  kernelInitializer?: Initializer;
  name?: string;
}

const PATCH_EMBEDDING_ARGS = argNames<PatchEmbeddingArgs>()(['patchSize', 'embedDim', 'kernelInitializer', 'name']);

/**
 * Image to patch tokens (Dosovitskiy et al. 2020): [N, C, H, W] is cut into
 * p × q patches ({@link patchify}) and each flattened patch is mapped linearly
 * to `embedDim` features, giving [N, (H/p)·(W/q), embedDim] (the same as a
 * p × q convolution with stride (p, q)). Parameters: `${name}/kernel`
 * [p·q·C, embedDim], `${name}/bias`.
 */
export class PatchEmbedding extends Layer {
  readonly className = 'PatchEmbedding';
  readonly patchSize: [number, number];
  readonly embedDim: number;
  readonly kernelInitializer: Initializer;

  constructor(args: PatchEmbeddingArgs) {
    super(checkLayerArgs('PatchEmbedding', args, PATCH_EMBEDDING_ARGS).name, 'PatchEmbedding');
    this.patchSize = intPair(this, 'patchSize', args.patchSize);
    this.embedDim = positiveInt(this, 'embedDim', args.embedDim);
    this.kernelInitializer = initializerArg(this, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
  }

  computeOutputShape(input: Shape): Shape {
    requireRank(this, input, [4], '[N, C, H, W]');
    const [h, w] = [knownDim(this, input, 2, 'the height'), knownDim(this, input, 3, 'the width')];
    knownDim(this, input, 1, 'the channel dim');
    const [p, q] = this.patchSize;
    if (h % p !== 0 || w % q !== 0) throw layerError(this, `patches of ${p}×${q} must tile the ${h}×${w} image`);
    return [input[0]!, (h / p) * (w / q), this.embedDim];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const patches = patchify(ctx.g, x, this.patchSize);
    return expectShape(this, project(ctx, this.name, '', patches, this.embedDim, this.kernelInitializer, true), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, patchSize: [...this.patchSize], embedDim: this.embedDim, kernelInitializer: this.kernelInitializer };
  }
}

export interface TransformerBlockArgs {
  /** Attention heads. */
  numHeads: number;
  /** Hidden features of the MLP. Default 4 × the input's features. */
  mlpDim?: number;
  /** Per-head key size. Default: the input's features / numHeads. */
  keyDim?: number;
  /** Causal self-attention. Default false. */
  causal?: boolean;
  /** Dropout after the attention and the MLP, in training. Default 0. */
  dropout?: number;
  /**
   * A decoder block: between self-attention and the MLP, the tokens attend
   * to a memory (x ← x + MHA(LN(x), memory)), which {@link TransformerBlock.apply}
   * then requires. Default false.
   */
  crossAttention?: boolean;
  name?: string;
}

const TRANSFORMER_BLOCK_ARGS = argNames<TransformerBlockArgs>()(['numHeads', 'mlpDim', 'keyDim', 'causal', 'dropout', 'crossAttention', 'name']);

/** Inputs of {@link TransformerBlock.apply} beyond the tokens. */
export interface BlockOptions extends AttendOptions {
  /** [N, S, F']: what a cross-attention block's tokens attend to. */
  memory?: Value;
  /** [N, S]: 1 for real positions of the memory, 0 for padding. */
  memoryPadding?: Value;
}

/** What {@link TransformerBlock.apply} returns. */
export interface BlockOutput extends Attended {
  /** A cross-attention block's weights over the memory, [N, h, T, S]. */
  crossWeights?: Value;
}

/**
 * A pre-LN Transformer block on [N, T, D] (Xiong et al. 2020; ViT):
 * x ← x + MHA(LN(x)); with `crossAttention` (a decoder block, Vaswani et
 * al.'s, pre-LN) x ← x + MHA(LN(x), memory); then
 * x ← x + W₂·GELU(W₁·LN(x) + b₁) + b₂. Residuals keep the shape, so blocks
 * stack. Parameters under `${name}/ln1`, `/attention`, (`/ln_cross`,
 * `/cross_attention`,) `/ln2`, `/mlp_in`, `/mlp_out`.
 */
export class TransformerBlock extends Layer {
  readonly className = 'TransformerBlock';
  readonly numHeads: number;
  readonly mlpDim?: number;
  readonly keyDim?: number;
  readonly causal: boolean;
  readonly dropout: number;
  readonly crossAttention: boolean;

  constructor(args: TransformerBlockArgs) {
    super(checkLayerArgs('TransformerBlock', args, TRANSFORMER_BLOCK_ARGS).name, 'TransformerBlock');
    this.numHeads = positiveInt(this, 'numHeads', args.numHeads);
    this.mlpDim = args.mlpDim === undefined ? undefined : positiveInt(this, 'mlpDim', args.mlpDim);
    this.keyDim = args.keyDim === undefined ? undefined : positiveInt(this, 'keyDim', args.keyDim);
    this.causal = boolArg(this, 'causal', args.causal, false);
    this.crossAttention = boolArg(this, 'crossAttention', args.crossAttention, false);
    this.dropout = args.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout < 1)) throw layerError(this, `dropout must be in [0, 1), got ${show(args.dropout)}`);
  }

  computeOutputShape(input: Shape): Shape {
    requireRank(this, input, [3], '[N, T, D]');
    const d = knownDim(this, input, 2, 'the feature dim');
    knownDim(this, input, 1, 'the sequence length');
    if (this.keyDim === undefined && d % this.numHeads !== 0) throw layerError(this, `${d} features do not split into ${this.numHeads} heads; set keyDim`);
    return [...input];
  }

  /** The block's sublayers for an input of `d` features (`cross` only in a cross-attention block). */
  sublayers(d: number): { ln1: LayerNormalization; attention: MultiHeadAttention; cross?: { ln: LayerNormalization; attention: MultiHeadAttention }; ln2: LayerNormalization; mlpIn: Dense; mlpOut: Dense } {
    const keyDim = this.keyDim ?? d / this.numHeads;
    return {
      ln1: new LayerNormalization({ name: `${this.name}/ln1` }),
      attention: new MultiHeadAttention({ name: `${this.name}/attention`, numHeads: this.numHeads, keyDim, causal: this.causal }),
      ...(this.crossAttention ? {
        cross: {
          ln: new LayerNormalization({ name: `${this.name}/ln_cross` }),
          attention: new MultiHeadAttention({ name: `${this.name}/cross_attention`, numHeads: this.numHeads, keyDim, outputDim: d }),
        },
      } : {}),
      ln2: new LayerNormalization({ name: `${this.name}/ln2` }),
      mlpIn: new Dense({ name: `${this.name}/mlp_in`, units: this.mlpDim ?? 4 * d }),
      mlpOut: new Dense({ name: `${this.name}/mlp_out`, units: d }),
    };
  }

  call(ctx: BuildContext, x: Value): Value {
    if (this.crossAttention) throw layerError(this, 'a cross-attention block needs its memory: use apply(ctx, x, { memory })');
    return this.apply(ctx, x).output;
  }

  /**
   * The block's output and its self-attention weights [N, h, T, T], with an
   * optional key-padding mask of the tokens (`keyPadding`); a cross-attention
   * block also takes `memory` (and `memoryPadding`) and returns `crossWeights`.
   */
  apply(ctx: BuildContext, x: Value, opts: BlockOptions = {}): BlockOutput {
    const out = this.computeOutputShape(x.shape);
    const { g } = ctx;
    const l = this.sublayers(x.shape[2] as number);
    const { memory, memoryPadding, ...self } = opts;
    if (this.crossAttention !== (memory !== undefined)) throw layerError(this, this.crossAttention ? 'a cross-attention block needs a memory' : 'a memory was given to a block without crossAttention');
    const normed = l.ln1.call(ctx, x);
    const attended = l.attention.attend(ctx, normed, normed, self);
    let mid = g.add(x, g.dropout(attended.output, this.dropout, ctx.training));
    let crossWeights: Value | undefined;
    if (l.cross) {
      const crossed = l.cross.attention.attend(ctx, l.cross.ln.call(ctx, mid), memory!, { keyPadding: memoryPadding, causal: false });
      mid = g.add(mid, g.dropout(crossed.output, this.dropout, ctx.training));
      crossWeights = crossed.weights;
    }
    const mlp = l.mlpOut.call(ctx, g.gelu(l.mlpIn.call(ctx, l.ln2.call(ctx, mid))));
    return { output: expectShape(this, g.add(mid, g.dropout(mlp, this.dropout, ctx.training)), out), weights: attended.weights, ...(crossWeights ? { crossWeights } : {}) };
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name, numHeads: this.numHeads,
      ...(this.mlpDim !== undefined ? { mlpDim: this.mlpDim } : {}),
      ...(this.keyDim !== undefined ? { keyDim: this.keyDim } : {}),
      causal: this.causal, dropout: this.dropout, ...(this.crossAttention ? { crossAttention: true } : {}),
    };
  }
}

registerLayer('MultiHeadAttention', (c) => new MultiHeadAttention(c as unknown as MultiHeadAttentionArgs));
registerLayer('PositionalEmbedding', (c) => new PositionalEmbedding(c as PositionalEmbeddingArgs));
registerLayer('PatchEmbedding', (c) => new PatchEmbedding(c as unknown as PatchEmbeddingArgs));
registerLayer('TransformerBlock', (c) => new TransformerBlock(c as unknown as TransformerBlockArgs));
