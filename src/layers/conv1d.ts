/**
 * 1-D convolution, pooling and upsampling over sequences laid out as the
 * recurrent layers take them: [N, steps, channels] (NLC, channels last, as
 * Keras). They run on the 2-D ops (and so on their gradient rules) with a
 * spatial axis of size 1: a convolution sees [N, C, 1, L] (one Transpose and
 * one Reshape each way, the kernel [F, C, k] reshaped to [F, C, 1, k]); a
 * pooling or upsampling sees the sequence as a one-channel [N, 1, L, C] plane
 * with windows of [k, 1], which needs only Reshapes. Cropping1D cuts steps
 * off either end (the conv1d autoencoder's decoder uses it to land on a window
 * length that is not a multiple of its downsampling).
 */
import { type Graph, type Value } from '../graph/graph.js';
import { type Dim, type Shape, formatShape } from '../graph/types.js';
import { type BuildContext, type Initializer, Layer, registerLayer } from './core.js';
import { type ActivationSpec, applyActivation, parseActivation } from './activations.js';
import {
  type Regularizer, addActivityPenalty, addKernelPenalty, argNames, boolArg, checkLayerArgs, expectShape, initializerArg, knownDim,
  layerError, paddingArg, positiveInt, regularizerArg, requireRank, show, windowLength,
} from './utils.js';

type Who = Pick<Layer, 'className' | 'name'>;

/** Steps and channels of an NLC input, which must be known. */
function sequence(layer: Who, input: Shape): [number, number] {
  requireRank(layer, input, [3], '[N, steps, channels] (channels last)');
  return [knownDim(layer, input, 1, 'steps'), knownDim(layer, input, 2, 'channels')];
}

/** A positive integer, or a list of exactly one (Keras writes `kernel_size` as `(5,)`). */
function intSingle(layer: Who, what: string, v: unknown): number {
  if (Array.isArray(v)) {
    if (v.length !== 1) throw layerError(layer, `${what} must be a positive integer (or a list of one), got ${show(v)}`);
    return positiveInt(layer, what, v[0]);
  }
  return positiveInt(layer, what, v);
}

/** [N, L, C] → [N, C, 1, L], the layout of the 2-D convolution ops. */
function toConvLayout(g: Graph, x: Value): Value {
  const [n, l, c] = x.shape as [Dim, number, number];
  return g.reshape(g.transpose(x, [0, 2, 1]), [n, c, 1, l]);
}

/** [N, F, 1, L] → [N, L, F]. */
function fromConvLayout(g: Graph, y: Value): Value {
  const [n, f, , l] = y.shape as [Dim, number, number, number];
  return g.transpose(g.reshape(y, [n, f, l]), [0, 2, 1]);
}

/** [N, L, C] → [N, 1, L, C]: the sequence as a one-channel plane, for pooling and upsampling along L. */
function asPlane(g: Graph, x: Value): Value {
  const [n, l, c] = x.shape as [Dim, number, number];
  return g.reshape(x, [n, 1, l, c]);
}

/** [N, 1, L, C] → [N, L, C]. */
function fromPlane(g: Graph, y: Value): Value {
  const [n, , l, c] = y.shape as [Dim, number, number, number];
  return g.reshape(y, [n, l, c]);
}

/**
 * The activation of a convolution on its [N, F, 1, L] output, where ONNX
 * Runtime can fuse it into the Conv; softmax (over channels) waits for the
 * channels-last layout.
 */
function activateConv(ctx: BuildContext, y: Value, activation: ActivationSpec): Value {
  const name = typeof activation === 'string' ? activation : activation.name;
  if (name === 'softmax') return applyActivation(ctx, fromConvLayout(ctx.g, y), activation);
  return fromConvLayout(ctx.g, applyActivation(ctx, y, activation));
}

/** The config fields Conv1D and Conv1DTranspose share (regularizers only when set). */
function kernelLayerConfig(l: Conv1D | Conv1DTranspose): Record<string, unknown> {
  return {
    name: l.name,
    filters: l.filters,
    kernelSize: l.kernelSize,
    strides: l.strides,
    padding: l.padding,
    activation: l.activation,
    useBias: l.useBias,
    kernelInitializer: l.kernelInitializer,
    biasInitializer: l.biasInitializer,
    ...(l.kernelRegularizer ? { kernelRegularizer: l.kernelRegularizer } : {}),
    ...(l.activityRegularizer ? { activityRegularizer: l.activityRegularizer } : {}),
  };
}

export interface Conv1DArgs {
  /** Output channels. */
  filters: number;
  /** Kernel length (a number, or a list of one). */
  kernelSize: number | [number];
  /** Default 1. */
  strides?: number | [number];
  /**
   * 'valid' (no padding, the default), 'same' (output ⌈steps / stride⌉, extra
   * padding at the end) or 'causal' (dilation·(kernelSize − 1) zeros before the
   * first step, none after: output t sees steps ≤ t·stride only; output ⌈steps / stride⌉).
   */
  padding?: 'same' | 'valid' | 'causal';
  /** Default 1. */
  dilationRate?: number | [number];
  /** Default 'linear'. */
  activation?: ActivationSpec;
  /** Default true. */
  useBias?: boolean;
  /** Kernel [filters, inChannels, kernelSize] (PyTorch's Conv1d layout); fans as Keras computes them. Default 'glorotUniform'. */
  kernelInitializer?: Initializer;
  /** Default 'zeros'. */
  biasInitializer?: Initializer;
  /** Adds l1·Σ|W| + l2·ΣW² to the training loss. */
  kernelRegularizer?: Regularizer;
  /** Adds the batch mean of the per-sample sum of l1·|y| + l2·y² over the output y. */
  activityRegularizer?: Regularizer;
  name?: string;
}

const CONV1D_ARGS = argNames<Conv1DArgs>()([
  'filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer',
  'kernelRegularizer', 'activityRegularizer', 'name',
]);

/**
 * 1-D convolution over [N, steps, channels] input (channels last, as Keras):
 * y[n, t, f] = activation(b[f] + Σ_c Σ_j x[n, t·s + j·d − p, c] · W[f, c, j]),
 * W of shape [filters, inChannels, kernelSize], p the padding before the first
 * step. Output [N, L', filters] with L' = ⌊(L − d·(k − 1) − 1) / s⌋ + 1 ('valid')
 * or ⌈L / s⌉ ('same', 'causal').
 * Parameters: `${name}/kernel`, `${name}/bias`.
 *
 * ```ts
 * new Conv1D({ filters: 32, kernelSize: 5, padding: 'same', activation: 'relu' }); // [N, 64, 1] → [N, 64, 32]
 * ```
 */
export class Conv1D extends Layer {
  readonly className = 'Conv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid' | 'causal';
  readonly dilationRate: number;
  readonly activation: ActivationSpec;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer?: Regularizer;
  readonly activityRegularizer?: Regularizer;

  constructor(args: Conv1DArgs) {
    super(checkLayerArgs('Conv1D', args, CONV1D_ARGS).name, 'conv1d');
    this.filters = positiveInt(this, 'filters', args.filters);
    this.kernelSize = intSingle(this, 'kernelSize', args.kernelSize);
    this.strides = intSingle(this, 'strides', args.strides ?? 1);
    const padding = args.padding ?? 'valid';
    if (padding !== 'causal' && padding !== 'same' && padding !== 'valid') throw layerError(this, `padding must be 'same', 'valid' or 'causal', got ${show(padding)}`);
    this.padding = padding;
    this.dilationRate = intSingle(this, 'dilationRate', args.dilationRate ?? 1);
    this.activation = parseActivation(args.activation ?? 'linear', `Conv1D '${this.name}'`);
    this.useBias = boolArg(this, 'useBias', args.useBias, true);
    this.kernelInitializer = initializerArg(this, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = initializerArg(this, 'biasInitializer', args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = regularizerArg(this, 'kernelRegularizer', args.kernelRegularizer);
    this.activityRegularizer = regularizerArg(this, 'activityRegularizer', args.activityRegularizer);
  }

  computeOutputShape(input: Shape): Shape {
    const [steps] = sequence(this, input);
    const out = windowLength(steps, this.kernelSize, this.strides, this.padding === 'valid' ? 'valid' : 'same', this.dilationRate);
    if (out < 1) throw layerError(this, `kernel ${this.kernelSize} (dilation ${this.dilationRate}) does not fit input ${formatShape(input)} with 'valid' padding`);
    return [input[0]!, out, this.filters];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const { g } = ctx;
    const channels = x.shape[2] as number;
    const w = ctx.param(this.name, 'kernel', [this.filters, channels, this.kernelSize], this.kernelInitializer, 'conv');
    const bias = this.useBias ? ctx.param(this.name, 'bias', [this.filters], this.biasInitializer) : undefined;
    addKernelPenalty(ctx, this.name, w, this.kernelRegularizer);
    // ONNX pad order [top, left, bottom, right]: causal pads the start of the time axis only.
    const pads = this.padding === 'causal' ? ([0, this.dilationRate * (this.kernelSize - 1), 0, 0] as [number, number, number, number]) : this.padding;
    const conv = g.conv2d(toConvLayout(g, x), g.reshape(w, [this.filters, channels, 1, this.kernelSize]), {
      strides: [1, this.strides], pads, dilations: [1, this.dilationRate], bias,
    });
    const y = activateConv(ctx, conv, this.activation);
    addActivityPenalty(ctx, this.name, y, this.activityRegularizer);
    return expectShape(this, y, out);
  }

  getConfig(): Record<string, unknown> {
    return { ...kernelLayerConfig(this), dilationRate: this.dilationRate };
  }
}

export interface Conv1DTransposeArgs {
  /** Output channels. */
  filters: number;
  /** Kernel length (a number, or a list of one). */
  kernelSize: number | [number];
  /** Default 1. */
  strides?: number | [number];
  /** 'valid' (default) or 'same' (output = steps · stride). */
  padding?: 'same' | 'valid';
  /** Default 'linear'. */
  activation?: ActivationSpec;
  /** Default true. */
  useBias?: boolean;
  /** Kernel [inChannels, filters, kernelSize] (PyTorch's ConvTranspose1d layout). Default 'glorotUniform'. */
  kernelInitializer?: Initializer;
  /** Default 'zeros'. */
  biasInitializer?: Initializer;
  kernelRegularizer?: Regularizer;
  activityRegularizer?: Regularizer;
  name?: string;
}

const CONV1D_TRANSPOSE_ARGS = argNames<Conv1DTransposeArgs>()([
  'filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer',
  'activityRegularizer', 'name',
]);

/**
 * Transposed 1-D convolution (the adjoint of Conv1D's input map) over
 * [N, steps, channels], kernel of shape [inChannels, filters, kernelSize]:
 * each input step t adds x[n, t, c] · W[c, f, j] to output step t·s + j − p.
 * Output length, as in Keras: 'same': L·s; 'valid': L·s + max(k − s, 0).
 * Parameters: `${name}/kernel`, `${name}/bias`.
 */
export class Conv1DTranspose extends Layer {
  readonly className = 'Conv1DTranspose';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  readonly activation: ActivationSpec;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer?: Regularizer;
  readonly activityRegularizer?: Regularizer;

  constructor(args: Conv1DTransposeArgs) {
    super(checkLayerArgs('Conv1DTranspose', args, CONV1D_TRANSPOSE_ARGS).name, 'conv1dTranspose');
    this.filters = positiveInt(this, 'filters', args.filters);
    this.kernelSize = intSingle(this, 'kernelSize', args.kernelSize);
    this.strides = intSingle(this, 'strides', args.strides ?? 1);
    this.padding = paddingArg(this, args.padding ?? 'valid');
    this.activation = parseActivation(args.activation ?? 'linear', `Conv1DTranspose '${this.name}'`);
    this.useBias = boolArg(this, 'useBias', args.useBias, true);
    this.kernelInitializer = initializerArg(this, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = initializerArg(this, 'biasInitializer', args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = regularizerArg(this, 'kernelRegularizer', args.kernelRegularizer);
    this.activityRegularizer = regularizerArg(this, 'activityRegularizer', args.activityRegularizer);
  }

  private outputLength(steps: number): number {
    const s = this.strides;
    return this.padding === 'same' ? steps * s : steps * s + Math.max(this.kernelSize - s, 0);
  }

  computeOutputShape(input: Shape): Shape {
    const [steps] = sequence(this, input);
    return [input[0]!, this.outputLength(steps), this.filters];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const { g } = ctx;
    const [steps, channels] = sequence(this, x.shape);
    const w = ctx.param(this.name, 'kernel', [channels, this.filters, this.kernelSize], this.kernelInitializer, 'convTranspose');
    const bias = this.useBias ? ctx.param(this.name, 'bias', [this.filters], this.biasInitializer) : undefined;
    addKernelPenalty(ctx, this.name, w, this.kernelRegularizer);
    const conv = g.convTranspose2d(toConvLayout(g, x), g.reshape(w, [channels, this.filters, 1, this.kernelSize]), {
      strides: [1, this.strides], pads: this.padding, bias, outputSize: [1, this.outputLength(steps)],
    });
    const y = activateConv(ctx, conv, this.activation);
    addActivityPenalty(ctx, this.name, y, this.activityRegularizer);
    return expectShape(this, y, out);
  }

  getConfig(): Record<string, unknown> {
    return kernelLayerConfig(this);
  }
}

export interface Pool1DArgs {
  /** Window length (a number, or a list of one). Default 2. */
  poolSize?: number | [number];
  /** Default: the pool size. */
  strides?: number | [number];
  /** 'valid' (default) or 'same' (output ⌈steps / stride⌉, extra padding at the end). */
  padding?: 'same' | 'valid';
  name?: string;
}

const POOL1D_ARGS = argNames<Pool1DArgs>()(['poolSize', 'strides', 'padding', 'name']);

abstract class Pool1D extends Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';

  constructor(args: Pool1DArgs | undefined, className: string, nameBase: string) {
    super((args = checkLayerArgs(className, args, POOL1D_ARGS, true)).name, nameBase);
    // className is a subclass field, not yet set here; name errors explicitly.
    const who = { className, name: this.name };
    this.poolSize = intSingle(who, 'poolSize', args.poolSize ?? 2);
    this.strides = intSingle(who, 'strides', args.strides ?? this.poolSize);
    this.padding = paddingArg(who, args.padding ?? 'valid');
  }

  computeOutputShape(input: Shape): Shape {
    const [steps, channels] = sequence(this, input);
    const out = windowLength(steps, this.poolSize, this.strides, this.padding);
    if (out < 1) throw layerError(this, `pool ${this.poolSize} does not fit input ${formatShape(input)} with 'valid' padding`);
    return [input[0]!, out, channels];
  }

  /** The 2-D pooling options of this layer's [poolSize, 1] windows on the [N, 1, L, C] plane. */
  protected window(): { kernel: [number, number]; strides: [number, number]; pads: 'same' | 'valid' } {
    return { kernel: [this.poolSize, 1], strides: [this.strides, 1], pads: this.padding };
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/** Max pooling along the steps of [N, steps, channels], each channel on its own. */
export class MaxPool1D extends Pool1D {
  readonly className = 'MaxPool1D';
  constructor(args: Pool1DArgs = {}) {
    super(args, 'MaxPool1D', 'maxPool1d');
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    return expectShape(this, fromPlane(ctx.g, ctx.g.maxPool2d(asPlane(ctx.g, x), this.window())), out);
  }
}

/** Average pooling along the steps of [N, steps, channels]; with 'same' padding, padded steps are not counted (as Keras). */
export class AveragePool1D extends Pool1D {
  readonly className = 'AveragePool1D';
  constructor(args: Pool1DArgs = {}) {
    super(args, 'AveragePool1D', 'averagePool1d');
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    return expectShape(this, fromPlane(ctx.g, ctx.g.avgPool2d(asPlane(ctx.g, x), this.window())), out);
  }
}

export interface UpSampling1DArgs {
  /** Integer factor (a number, or a list of one). Default 2. */
  size?: number | [number];
  name?: string;
}

const UPSAMPLING1D_ARGS = argNames<UpSampling1DArgs>()(['size', 'name']);

/** Repeats each step `size` times: [N, L, C] → [N, L·size, C] (Keras UpSampling1D). */
export class UpSampling1D extends Layer {
  readonly className = 'UpSampling1D';
  readonly size: number;

  constructor(args?: UpSampling1DArgs) {
    super((args = checkLayerArgs('UpSampling1D', args, UPSAMPLING1D_ARGS, true)).name, 'upSampling1d');
    this.size = intSingle(this, 'size', args.size ?? 2);
  }

  computeOutputShape(input: Shape): Shape {
    const [steps, channels] = sequence(this, input);
    return [input[0]!, steps * this.size, channels];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    return expectShape(this, fromPlane(ctx.g, ctx.g.upsample2d(asPlane(ctx.g, x), [this.size, 1])), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, size: this.size };
  }
}

export interface Cropping1DArgs {
  /** Steps cut from the start and from the end: one number for both, or [start, end]. Default 1. */
  cropping?: number | [number, number];
  name?: string;
}

const CROPPING1D_ARGS = argNames<Cropping1DArgs>()(['cropping', 'name']);

/** Cuts steps from both ends of [N, steps, channels]: [N, L, C] → [N, L − start − end, C] (Keras Cropping1D). */
export class Cropping1D extends Layer {
  readonly className = 'Cropping1D';
  readonly cropping: [number, number];

  constructor(args?: Cropping1DArgs) {
    super((args = checkLayerArgs('Cropping1D', args, CROPPING1D_ARGS, true)).name, 'cropping1d');
    const c = args.cropping ?? 1;
    const pair = typeof c === 'number' ? [c, c] : c;
    const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every(ok)) {
      throw layerError(this, `cropping must be a non-negative integer or a pair [start, end] of them, got ${show(c)}`);
    }
    this.cropping = [pair[0]!, pair[1]!];
  }

  computeOutputShape(input: Shape): Shape {
    const [steps, channels] = sequence(this, input);
    const out = steps - this.cropping[0] - this.cropping[1];
    if (out < 1) throw layerError(this, `cropping [${this.cropping.join(', ')}] leaves no step of input ${formatShape(input)}`);
    return [input[0]!, out, channels];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const [start, end] = this.cropping;
    if (start === 0 && end === 0) return x;
    return expectShape(this, ctx.g.slice(x, [start], [(x.shape[1] as number) - end], [1]), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, cropping: this.cropping };
  }
}

registerLayer('Conv1D', (c) => new Conv1D(c as unknown as Conv1DArgs));
registerLayer('Conv1DTranspose', (c) => new Conv1DTranspose(c as unknown as Conv1DTransposeArgs));
registerLayer('MaxPool1D', (c) => new MaxPool1D(c as Pool1DArgs));
registerLayer('AveragePool1D', (c) => new AveragePool1D(c as Pool1DArgs));
registerLayer('UpSampling1D', (c) => new UpSampling1D(c as UpSampling1DArgs));
registerLayer('Cropping1D', (c) => new Cropping1D(c as Cropping1DArgs));
