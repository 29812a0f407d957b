import { type Value } from '../graph/graph.js';
import { type Shape } from '../graph/types.js';
import { type BuildContext, type Initializer, Layer, registerLayer } from './core.js';
import { type ActivationSpec, applyActivation, parseActivation } from './activations.js';
import {
  type Regularizer, addActivityPenalty, addKernelPenalty, argNames, boolArg, checkLayerArgs, expectShape, initializerArg, knownDim, layerError,
  positiveInt, regularizerArg,
} from './utils.js';

export interface DenseArgs {
  /** Output features. */
  units: number;
  /** Applied after the bias. Default 'linear'. */
  activation?: ActivationSpec;
  /** Add a bias vector. Default true. */
  useBias?: boolean;
  /** Kernel [inFeatures, units]. Default 'glorotUniform'. */
  kernelInitializer?: Initializer;
  /** Bias [units]. Default 'zeros'. */
  biasInitializer?: Initializer;
  /** Adds l1·Σ|W| + l2·ΣW² to the training loss. */
  kernelRegularizer?: Regularizer;
  /** Adds the batch mean of the per-sample sum of l1·|y| + l2·y² over the output y. */
  activityRegularizer?: Regularizer;
  name?: string;
}

const DENSE_ARGS = argNames<DenseArgs>()(['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'activityRegularizer', 'name']);

/**
 * Fully connected layer on the last axis: y = activation(x·W + b), with W of
 * shape [inFeatures, units]. A 2-D input [N, F] becomes one Gemm; inputs of
 * higher rank ([N, T, F]) a MatMul broadcasting W over the leading axes.
 * Parameters: `${name}/kernel`, `${name}/bias`.
 */
export class Dense extends Layer {
  readonly className = 'Dense';
  readonly units: number;
  readonly activation: ActivationSpec;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer?: Regularizer;
  readonly activityRegularizer?: Regularizer;

  constructor(args: DenseArgs) {
    super(checkLayerArgs('Dense', args, DENSE_ARGS).name, 'Dense');
    this.units = positiveInt(this, 'units', args.units);
    this.activation = parseActivation(args.activation ?? 'linear', `Dense '${this.name}'`);
    this.useBias = boolArg(this, 'useBias', args.useBias, true);
    this.kernelInitializer = initializerArg(this, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform');
    this.biasInitializer = initializerArg(this, 'biasInitializer', args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = regularizerArg(this, 'kernelRegularizer', args.kernelRegularizer);
    this.activityRegularizer = regularizerArg(this, 'activityRegularizer', args.activityRegularizer);
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length < 2) throw layerError(this, `expects an input [N, ..., features] of rank >= 2, got [${input.join(', ')}]`);
    knownDim(this, input, input.length - 1, 'the feature dim');
    return [...input.slice(0, -1), this.units];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const features = x.shape[x.rank - 1] as number;
    const w = ctx.param(this.name, 'kernel', [features, this.units], this.kernelInitializer, 'dense');
    const b = this.useBias ? ctx.param(this.name, 'bias', [this.units], this.biasInitializer) : undefined;
    addKernelPenalty(ctx, this.name, w, this.kernelRegularizer);
    let y: Value;
    if (x.rank === 2) {
      y = ctx.g.gemm(x, w, b);
    } else {
      y = ctx.g.matmul(x, w);
      if (b) y = ctx.g.add(y, b);
    }
    y = applyActivation(ctx, y, this.activation);
    addActivityPenalty(ctx, this.name, y, this.activityRegularizer);
    return expectShape(this, y, out);
  }

  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      ...(this.kernelRegularizer ? { kernelRegularizer: this.kernelRegularizer } : {}),
      ...(this.activityRegularizer ? { activityRegularizer: this.activityRegularizer } : {}),
    };
  }
}

registerLayer('Dense', (c) => new Dense(c as unknown as DenseArgs));
