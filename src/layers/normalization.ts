import { type Value } from '../graph/graph.js';
import { type Shape, tensor } from '../graph/types.js';
import { type BuildContext, type Initializer, Layer, registerLayer } from './core.js';
import { argNames, boolArg, checkLayerArgs, expectShape, initializerArg, knownDim, layerError, requireRank, show } from './utils.js';

export interface DropoutArgs {
  /** Fraction of elements zeroed in training, in [0, 1). */
  rate: number;
  name?: string;
}

const DROPOUT_ARGS = argNames<DropoutArgs>()(['rate', 'name']);

/**
 * Inverted dropout: when the context is a training one, each element is zeroed
 * with probability `rate` and survivors are scaled by 1 / (1 − rate); otherwise
 * the identity. Masks come from ONNX Runtime's seeded generator (the graph's seed).
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  readonly rate: number;

  constructor(args: DropoutArgs) {
    super(checkLayerArgs('Dropout', args, DROPOUT_ARGS).name, 'Dropout');
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) throw layerError(this, `rate must be in [0, 1), got ${show(args.rate)}`);
    this.rate = args.rate;
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length < 1) throw layerError(this, 'expects an input [N, ...], got a scalar');
    return [...input];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    return expectShape(this, ctx.g.dropout(x, this.rate, ctx.training), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, rate: this.rate };
  }
}

export interface BatchNormalizationArgs {
  /**
   * Running-average momentum: moving ← momentum · moving + (1 − momentum) · batch.
   * Default 0.99, as Keras (PyTorch's 0.1 corresponds to 0.9 here).
   */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-3, as Keras. */
  epsilon?: number;
  /** Learn an offset β. Default true. */
  center?: boolean;
  /** Learn a scale γ. Default true. */
  scale?: boolean;
  /** Default 'ones'. */
  gammaInitializer?: Initializer;
  /** Default 'zeros'. */
  betaInitializer?: Initializer;
  /** Default 'zeros'. */
  movingMeanInitializer?: Initializer;
  /** Default 'ones'. */
  movingVarianceInitializer?: Initializer;
  name?: string;
}

const BATCH_NORMALIZATION_ARGS = argNames<BatchNormalizationArgs>()([
  'momentum', 'epsilon', 'center', 'scale', 'gammaInitializer', 'betaInitializer', 'movingMeanInitializer', 'movingVarianceInitializer', 'name',
]);

/**
 * Batch normalization over the channel axis 1 of [N, C] or [N, C, H, W]:
 * y = γ · (x − μ) / √(σ² + ε) + β. In training, μ and σ² are the batch's mean
 * and biased variance over every axis but 1, and the moving averages
 * (state `${name}/movingMean`, `${name}/movingVariance`) are updated through
 * ctx.updateState; in inference the moving averages are used.
 * Parameters: `${name}/gamma`, `${name}/beta`.
 */
export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly gammaInitializer: Initializer;
  readonly betaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;

  constructor(args?: BatchNormalizationArgs) {
    super((args = checkLayerArgs('BatchNormalization', args, BATCH_NORMALIZATION_ARGS, true)).name, 'BatchNormalization');
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    // typeof first: a string such as '0.9' would pass the comparisons by coercion.
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1)) throw layerError(this, `momentum must be a number in [0, 1], got ${show(args.momentum)}`);
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0 && Number.isFinite(this.epsilon))) throw layerError(this, `epsilon must be a positive finite number, got ${show(args.epsilon)}`);
    this.center = boolArg(this, 'center', args.center, true);
    this.scale = boolArg(this, 'scale', args.scale, true);
    this.gammaInitializer = initializerArg(this, 'gammaInitializer', args.gammaInitializer ?? 'ones');
    this.betaInitializer = initializerArg(this, 'betaInitializer', args.betaInitializer ?? 'zeros');
    this.movingMeanInitializer = initializerArg(this, 'movingMeanInitializer', args.movingMeanInitializer ?? 'zeros');
    this.movingVarianceInitializer = initializerArg(this, 'movingVarianceInitializer', args.movingVarianceInitializer ?? 'ones');
  }

  computeOutputShape(input: Shape): Shape {
    requireRank(this, input, [2, 4], '[N, C] or [N, C, H, W]');
    knownDim(this, input, 1, 'the channel dim');
    return [...input];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const { g } = ctx;
    const c = x.shape[1] as number;
    const fixed = (v: number) => g.constant(tensor(x.dtype, [c], new Array<number>(c).fill(v)), `${this.name}/fixed`);
    const gamma = this.scale ? ctx.param(this.name, 'gamma', [c], this.gammaInitializer) : fixed(1);
    const beta = this.center ? ctx.param(this.name, 'beta', [c], this.betaInitializer) : fixed(0);
    const runningMean = ctx.state(this.name, 'movingMean', [c], this.movingMeanInitializer);
    const runningVar = ctx.state(this.name, 'movingVariance', [c], this.movingVarianceInitializer);
    const r = g.batchNorm(x, { gamma, beta, runningMean, runningVar }, { training: ctx.training, momentum: this.momentum, epsilon: this.epsilon });
    if (ctx.training) {
      ctx.updateState(runningMean, r.runningMean!);
      ctx.updateState(runningVar, r.runningVar!);
    }
    return expectShape(this, r.y, out);
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      gammaInitializer: this.gammaInitializer,
      betaInitializer: this.betaInitializer,
      movingMeanInitializer: this.movingMeanInitializer,
      movingVarianceInitializer: this.movingVarianceInitializer,
    };
  }
}

export interface LayerNormalizationArgs {
  /** Added to the variance before the square root. Default 1e-5 (PyTorch's and ONNX's). */
  epsilon?: number;
  /** Learn an offset β. Default true. */
  center?: boolean;
  /** Learn a scale γ. Default true. */
  scale?: boolean;
  name?: string;
}

const LAYER_NORMALIZATION_ARGS = argNames<LayerNormalizationArgs>()(['epsilon', 'center', 'scale', 'name']);

/**
 * Layer normalization over the last axis (Ba et al. 2016), per sample and
 * position: y = γ · (x − μ) / √(σ² + ε) + β with μ and the biased σ² of the
 * last axis. No running statistics: training and inference compute the same.
 * Parameters: `${name}/gamma` (ones), `${name}/beta` (zeros), of the last axis' size.
 */
export class LayerNormalization extends Layer {
  readonly className = 'LayerNormalization';
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;

  constructor(args?: LayerNormalizationArgs) {
    super((args = checkLayerArgs('LayerNormalization', args, LAYER_NORMALIZATION_ARGS, true)).name, 'LayerNormalization');
    this.epsilon = args.epsilon ?? 1e-5;
    if (typeof this.epsilon !== 'number' || !(this.epsilon > 0 && Number.isFinite(this.epsilon))) throw layerError(this, `epsilon must be a positive finite number, got ${show(args.epsilon)}`);
    this.center = boolArg(this, 'center', args.center, true);
    this.scale = boolArg(this, 'scale', args.scale, true);
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length < 2) throw layerError(this, `expects an input [N, ..., features] of rank >= 2, got [${input.join(', ')}]`);
    knownDim(this, input, input.length - 1, 'the feature dim');
    return [...input];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const d = x.shape[x.rank - 1] as number;
    const gamma = this.scale ? ctx.param(this.name, 'gamma', [d], 'ones') : undefined;
    const beta = this.center ? ctx.param(this.name, 'beta', [d], 'zeros') : undefined;
    return expectShape(this, ctx.g.layerNorm(x, { gamma, beta }, { epsilon: this.epsilon }), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

registerLayer('Dropout', (c) => new Dropout(c as unknown as DropoutArgs));
registerLayer('BatchNormalization', (c) => new BatchNormalization(c as BatchNormalizationArgs));
registerLayer('LayerNormalization', (c) => new LayerNormalization(c as LayerNormalizationArgs));
