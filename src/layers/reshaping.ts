import { type Value } from '../graph/graph.js';
import { type Dim, type Shape, formatShape } from '../graph/types.js';
import { type BuildContext, Layer, registerLayer } from './core.js';
import { argNames, checkLayerArgs, expectShape, knownDim, layerError, positiveInt, requireRank, show } from './utils.js';

/** Product of the non-batch dims, which must be known. */
function featureCount(layer: Layer, input: Shape): number {
  let n = 1;
  for (let i = 1; i < input.length; i++) n *= knownDim(layer, input, i, 'a non-batch dim');
  return n;
}

export interface FlattenArgs {
  name?: string;
}

const FLATTEN_ARGS = argNames<FlattenArgs>()(['name']);

/** Flattens every axis but the batch: [N, d1, d2, ...] → [N, d1·d2·...]. */
export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(args?: FlattenArgs) {
    super(checkLayerArgs('Flatten', args, FLATTEN_ARGS, true).name, 'Flatten');
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length < 1) throw layerError(this, 'expects an input [N, ...], got a scalar');
    return [input[0]!, featureCount(this, input)];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    return expectShape(this, ctx.g.reshape(x, out), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}

export interface ReshapeArgs {
  /** Target shape without the batch dim; one entry may be -1 (inferred). */
  targetShape: number[];
  name?: string;
}

const RESHAPE_ARGS = argNames<ReshapeArgs>()(['targetShape', 'name']);

/** Reshapes each sample: [N, ...] → [N, ...targetShape]; the element count per sample is kept. */
export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: number[];

  constructor(args: ReshapeArgs) {
    super(checkLayerArgs('Reshape', args, RESHAPE_ARGS).name, 'Reshape');
    const t = args.targetShape;
    if (!Array.isArray(t) || t.some((d) => d !== -1 && !(Number.isInteger(d) && d >= 1)) || t.filter((d) => d === -1).length > 1) {
      throw layerError(this, `targetShape must be positive integers with at most one -1, got ${show(t)}`);
    }
    this.targetShape = [...t];
  }

  computeOutputShape(input: Shape): Shape {
    if (input.length < 1) throw layerError(this, 'expects an input [N, ...], got a scalar');
    const count = featureCount(this, input);
    const known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const hasUnknown = this.targetShape.includes(-1);
    if (hasUnknown ? count % known !== 0 : count !== known) {
      throw layerError(this, `cannot reshape input ${formatShape(input)} (${count} elements per sample) to [N, ${this.targetShape.join(', ')}]`);
    }
    return [input[0]!, ...this.targetShape.map((d) => (d === -1 ? count / known : d))];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    return expectShape(this, ctx.g.reshape(x, out), out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, targetShape: this.targetShape };
  }
}

export interface RepeatVectorArgs {
  /** Number of repetitions. */
  n: number;
  name?: string;
}

const REPEAT_VECTOR_ARGS = argNames<RepeatVectorArgs>()(['n', 'name']);

/** Repeats each sample n times along a new time axis: [N, F] → [N, n, F] (reshape to [N, 1, F], then concat). */
export class RepeatVector extends Layer {
  readonly className = 'RepeatVector';
  readonly n: number;

  constructor(args: RepeatVectorArgs) {
    super(checkLayerArgs('RepeatVector', args, REPEAT_VECTOR_ARGS).name, 'RepeatVector');
    this.n = positiveInt(this, 'n', args.n);
  }

  computeOutputShape(input: Shape): Shape {
    requireRank(this, input, [2], '[N, features]');
    return [input[0]!, this.n, knownDim(this, input, 1, 'the feature dim')];
  }

  call(ctx: BuildContext, x: Value): Value {
    const out = this.computeOutputShape(x.shape);
    const one = ctx.g.reshape(x, [x.shape[0]!, 1, x.shape[1]!] as Dim[]);
    const y = this.n === 1 ? one : ctx.g.concat(Array.from({ length: this.n }, () => one), 1);
    return expectShape(this, y, out);
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, n: this.n };
  }
}

registerLayer('Flatten', (c) => new Flatten(c as FlattenArgs));
registerLayer('Reshape', (c) => new Reshape(c as unknown as ReshapeArgs));
registerLayer('RepeatVector', (c) => new RepeatVector(c as unknown as RepeatVectorArgs));
