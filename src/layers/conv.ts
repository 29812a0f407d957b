import { type Node, type Value } from '../graph/graph.js';
import { type Shape, formatShape } from '../graph/types.js';
import { type BuildContext, type Initializer, Layer, registerLayer } from './core.js';
import { type ActivationSpec, applyActivation, parseActivation } from './activations.js';
import {
  type Regularizer, addActivityPenalty, addKernelPenalty, argNames, boolArg, checkLayerArgs, expectShape, initializerArg, intPair, knownDim,
  layerError, paddingArg, positiveInt, regularizerArg, requireRank, windowLength,
} from './utils.js';

/** Spatial sizes of an NCHW input, which must be known. */
function spatial(layer: Layer, input: Shape): [number, number, number] {
  requireRank(layer, input, [4], '[N, C, H, W] (NCHW)');
  return [knownDim(layer, input, 1, 'channels'), knownDim(layer, input, 2, 'height'), knownDim(layer, input, 3, 'width')];
}

export interface Conv2DArgs {
  /** Output channels. */
  filters: number;
  /** Kernel size: one number for both axes, or [kH, kW]. */
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** 'valid' (no padding, the default) or 'same' (output = ⌈input / stride⌉, extra padding at the end). */
  padding?: 'same' | 'valid';
  /** Default 1. */
  dilationRate?: number | [number, number];
  /** Default 'linear'. */
  activation?: ActivationSpec;
  /** Default true. */
  useBias?: boolean;
  /** Kernel [filters, inChannels, kH, kW]; fans as Keras computes them. Default 'glorotUniform'. */
  kernelInitializer?: Initializer;
  /** Default 'zeros'. */
  biasInitializer?: Initializer;
  /** Adds l1·Σ|W| + l2·ΣW² to the training loss. */
  kernelRegularizer?: Regularizer;
  /** Adds the batch mean of the per-sample sum of l1·|y| + l2·y² over the output y. */
  activityRegularizer?: Regularizer;
  name?: string;
}

const CONV2D_ARGS = argNames<Conv2DArgs>()([
  'filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer',
  'kernelRegularizer', 'activityRegularizer', 'name',
]);

/**
 * 2-D convolution over NCHW input: y = activation(conv(x, W) + b), W of shape
 * [filters, inChannels, kH, kW]. Output [N, filters, H', W'] with
 * H' = ⌊(H − dilation·(kH − 1) − 1) / stride⌋ + 1 ('valid') or ⌈H / stride⌉ ('same').
 * Parameters: `${name}/kernel`, `${name}/bias`.
 */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly dilationRate: [number, number];
  readonly activation: ActivationSpec;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer?: Regularizer;
  readonly activityRegularizer?: Regularizer;

  constructor(args: Conv2DArgs) {
    super(checkLayerArgs('Conv2D', args, CONV2D_ARGS).name, 'conv2d');
    this.filters = positiveInt(this, 'filters', args.filters);
    this.kernelSize = intPair(this, 'kernelSize', args.kernelSize);
    this.strides = intPair(this, 'strides', args.strides ?? 1);
    this.padding = paddingArg(this, args.padding ?? 'valid');
    this.dilationRate = intPair(this, 'dilationRate', args.dilationRate ?? 1);
    this.activation = parseActivation(args.activation ?? 'linear', `Conv2D '${this.name}'`);
    this.useBias = boolArg(this, 'useBias', args.useBias, true);
    this.kernelInitializer = initializerArg(this, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = initializerArg(this, 'biasInitializer', args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = regularizerArg(this, 'kernelRegularizer', args.kernelRegularizer);
    this.activityRegularizer = regularizerArg(this, 'activityRegularizer', args.activityRegularizer);
  }

  computeOutputShape(input: Shape): Shape {
    const [, h, w] = spatial(this, input);
    const out = [h, w].map((size, i) => windowLength(size, this.kernelSize[i]!, this.strides[i]!, this.padding, this.dilationRate[i]!));
    if (out.some((o) => o < 1)) throw layerError(this, `kernel ${this.kernelSize.join('x')} does not fit input ${formatShape(input)} with 'valid' padding`);
    return [input[0]!, this.filters, out[0]!, out[1]!];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const channels = x.shape[1] as number;
    const w = ctx.param(this.name, 'kernel', [this.filters, channels, ...this.kernelSize], this.kernelInitializer, 'conv');
    const bias = this.useBias ? ctx.param(this.name, 'bias', [this.filters], this.biasInitializer) : undefined;
    addKernelPenalty(ctx, this.name, w, this.kernelRegularizer);
    let y = ctx.g.conv2d(x, w, { strides: this.strides, pads: this.padding, dilations: this.dilationRate, bias });
    y = applyActivation(ctx, y, this.activation);
    addActivityPenalty(ctx, this.name, y, this.activityRegularizer);
    return expectShape(this, y, out);
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      ...(this.kernelRegularizer ? { kernelRegularizer: this.kernelRegularizer } : {}),
      ...(this.activityRegularizer ? { activityRegularizer: this.activityRegularizer } : {}),
    };
  }
}

export interface Conv2DTransposeArgs {
  /** Output channels. */
  filters: number;
  /** One number for both axes, or [kH, kW]. */
  kernelSize: number | [number, number];
  /** Default 1. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same' (output = input · stride). */
  padding?: 'same' | 'valid';
  /** Default 'linear'. */
  activation?: ActivationSpec;
  /** Default true. */
  useBias?: boolean;
  /** Kernel [inChannels, filters, kH, kW]. Default 'glorotUniform'. */
  kernelInitializer?: Initializer;
  /** Default 'zeros'. */
  biasInitializer?: Initializer;
  kernelRegularizer?: Regularizer;
  activityRegularizer?: Regularizer;
  name?: string;
}

const CONV2D_TRANSPOSE_ARGS = argNames<Conv2DTransposeArgs>()([
  'filters', 'kernelSize', 'strides', 'padding', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer',
  'activityRegularizer', 'name',
]);

/**
 * Transposed 2-D convolution (the adjoint of Conv2D's input map), NCHW, kernel
 * of shape [inChannels, filters, kH, kW]. Output size per axis, as in Keras:
 * 'same': H·stride; 'valid': H·stride + max(kH − stride, 0).
 * Parameters: `${name}/kernel`, `${name}/bias`.
 */
export class Conv2DTranspose extends Layer {
  readonly className = 'Conv2DTranspose';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';
  readonly activation: ActivationSpec;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer?: Regularizer;
  readonly activityRegularizer?: Regularizer;

  constructor(args: Conv2DTransposeArgs) {
    super(checkLayerArgs('Conv2DTranspose', args, CONV2D_TRANSPOSE_ARGS).name, 'conv2dTranspose');
    this.filters = positiveInt(this, 'filters', args.filters);
    this.kernelSize = intPair(this, 'kernelSize', args.kernelSize);
    this.strides = intPair(this, 'strides', args.strides ?? 1);
    this.padding = paddingArg(this, args.padding ?? 'valid');
    this.activation = parseActivation(args.activation ?? 'linear', `Conv2DTranspose '${this.name}'`);
    this.useBias = boolArg(this, 'useBias', args.useBias, true);
    this.kernelInitializer = initializerArg(this, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = initializerArg(this, 'biasInitializer', args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = regularizerArg(this, 'kernelRegularizer', args.kernelRegularizer);
    this.activityRegularizer = regularizerArg(this, 'activityRegularizer', args.activityRegularizer);
  }

  private outputSize(h: number, w: number): [number, number] {
    return [h, w].map((size, i) => {
      const s = this.strides[i]!;
      return this.padding === 'same' ? size * s : size * s + Math.max(this.kernelSize[i]! - s, 0);
    }) as [number, number];
  }

  computeOutputShape(input: Shape): Shape {
    const [, h, w] = spatial(this, input);
    return [input[0]!, this.filters, ...this.outputSize(h, w)];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const [channels, h, wIn] = spatial(this, x.shape);
    const w = ctx.param(this.name, 'kernel', [channels, this.filters, ...this.kernelSize], this.kernelInitializer, 'convTranspose');
    const bias = this.useBias ? ctx.param(this.name, 'bias', [this.filters], this.biasInitializer) : undefined;
    addKernelPenalty(ctx, this.name, w, this.kernelRegularizer);
    let y = ctx.g.convTranspose2d(x, w, { strides: this.strides, pads: this.padding, bias, outputSize: this.outputSize(h, wIn) });
    y = applyActivation(ctx, y, this.activation);
    addActivityPenalty(ctx, this.name, y, this.activityRegularizer);
    return expectShape(this, y, out);
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      ...(this.kernelRegularizer ? { kernelRegularizer: this.kernelRegularizer } : {}),
      ...(this.activityRegularizer ? { activityRegularizer: this.activityRegularizer } : {}),
    };
  }
}

export interface Pool2DArgs {
  /** Window: one number or [h, w]. Default 2. */
  poolSize?: number | [number, number];
  /** Default: the pool size. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same' (output = ⌈input / stride⌉). */
  padding?: 'same' | 'valid';
  name?: string;
}

const POOL2D_ARGS = argNames<Pool2DArgs>()(['poolSize', 'strides', 'padding', 'name']);

abstract class Pool2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'same' | 'valid';

  constructor(args: Pool2DArgs | undefined, className: string, nameBase: string) {
    super((args = checkLayerArgs(className, args, POOL2D_ARGS, true)).name, nameBase);
    // className is a subclass field, not yet set here; name errors explicitly.
    const who = { className, name: this.name };
    this.poolSize = intPair(who, 'poolSize', args.poolSize ?? 2);
    this.strides = intPair(who, 'strides', args.strides ?? this.poolSize);
    this.padding = paddingArg(who, args.padding ?? 'valid');
  }

  computeOutputShape(input: Shape): Shape {
    const [c, h, w] = spatial(this, input);
    const out = [h, w].map((size, i) => windowLength(size, this.poolSize[i]!, this.strides[i]!, this.padding));
    if (out.some((o) => o < 1)) throw layerError(this, `pool ${this.poolSize.join('x')} does not fit input ${formatShape(input)} with 'valid' padding`);
    return [input[0]!, c, out[0]!, out[1]!];
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}

/** Max pooling over NCHW windows. */
export class MaxPool2D extends Pool2D {
  readonly className = 'MaxPool2D';
  constructor(args: Pool2DArgs = {}) {
    super(args, 'MaxPool2D', 'maxPool2d');
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const pool = (v: Value) => ctx.g.maxPool2d(v, { kernel: this.poolSize, strides: this.strides, pads: this.padding });
    // In inference graphs an ELU before the pooling moves after it: max pooling commutes with a
    // non-decreasing elementwise function (max f(xᵢ) = f(max xᵢ), the same value picked), and
    // ONNX Runtime computes ELU one element at a time without fusing it into the convolution, so
    // it then runs on a quarter of the values. Training graphs keep the order of the gradients.
    const elu = x.producer?.op === 'Elu' ? (x.producer as Node<'Elu'>) : undefined;
    if (!ctx.training && elu && elu.attrs.alpha >= 0) return expectShape(this, ctx.g.elu(pool(elu.inputs[0]!), elu.attrs.alpha), out);
    return expectShape(this, pool(x), out);
  }
}

/** Average pooling over NCHW windows; with 'same' padding, padded cells are not counted (as Keras). */
export class AveragePool2D extends Pool2D {
  readonly className = 'AveragePool2D';
  constructor(args: Pool2DArgs = {}) {
    super(args, 'AveragePool2D', 'averagePool2d');
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    return expectShape(this, ctx.g.avgPool2d(x, { kernel: this.poolSize, strides: this.strides, pads: this.padding }), out);
  }
}

export interface UpSampling2DArgs {
  /** Integer factors: one number or [h, w]. Default 2. */
  size?: number | [number, number];
  name?: string;
}

const UPSAMPLING2D_ARGS = argNames<UpSampling2DArgs>()(['size', 'name']);

/** Nearest-neighbour upsampling of NCHW input: [N, C, H, W] → [N, C, H·sH, W·sW]. */
export class UpSampling2D extends Layer {
  readonly className = 'UpSampling2D';
  readonly size: [number, number];

  constructor(args?: UpSampling2DArgs) {
    super((args = checkLayerArgs('UpSampling2D', args, UPSAMPLING2D_ARGS, true)).name, 'upSampling2d');
    this.size = intPair(this, 'size', args.size ?? 2);
  }

  computeOutputShape(input: Shape): Shape {
    const [c, h, w] = spatial(this, input);
    return [input[0]!, c, h * this.size[0], w * this.size[1]];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    return expectShape(this, ctx.g.upsample2d(x, this.size), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, size: this.size };
  }
}

registerLayer('Conv2D', (c) => new Conv2D(c as unknown as Conv2DArgs));
registerLayer('Conv2DTranspose', (c) => new Conv2DTranspose(c as unknown as Conv2DTransposeArgs));
registerLayer('MaxPool2D', (c) => new MaxPool2D(c as Pool2DArgs));
registerLayer('AveragePool2D', (c) => new AveragePool2D(c as Pool2DArgs));
registerLayer('UpSampling2D', (c) => new UpSampling2D(c as UpSampling2DArgs));

