import { GraphBuildError, type OpAttrs, type OpName, opSpecs, reduceAxes } from './ops.js';
import { type DType, type Dim, type Shape, type TensorData, formatShape, isFloat, joinDim, splitDim, tensor } from './types.js';

/** The additive mask value for a disallowed attention entry: e^(−1e9) underflows to 0, with no −∞ to turn a fully masked row into NaN. */
export const MASK_NEGATIVE = -1e9;

/** How a value enters the graph. */
export type ValueKind = 'input' | 'param' | 'const' | 'op';

/** A typed, statically shaped edge of the graph. */
export class Value {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: ValueKind,
    /** Unique name inside the graph; inputs and parameters are fed by this name. */
    readonly name: string,
    readonly producer?: Node,
    readonly outputIndex = 0,
    /** Data of a constant. */
    readonly data?: TensorData,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}

/** One application of a primitive op. */
export interface Node<K extends OpName = OpName> {
  readonly id: number;
  readonly op: K;
  readonly inputs: readonly Value[];
  readonly attrs: OpAttrs[K];
  readonly outputs: readonly Value[];
}

/** Operand accepted by arithmetic helpers: a value, or a number made a scalar of the other operand's dtype. */
export type Operand = Value | number;

/** Stride/pad/dilation spelling accepted by the conv and pooling helpers. */
export interface WindowOptions {
  /** One number for both axes, or [h, w]. Default 1 (pooling: the kernel size). */
  strides?: number | [number, number];
  /** 'valid' (no padding), 'same' (output = ceil(input / stride)), one number, or [top, left, bottom, right]. */
  pads?: 'valid' | 'same' | number | [number, number, number, number];
}

export interface ConvOptions extends WindowOptions {
  dilations?: number | [number, number];
  /** Per-output-channel bias, shape [outChannels]. */
  bias?: Value;
}

export interface ConvTransposeOptions extends ConvOptions {
  /** Exact spatial output size; defaults to stride * (in - 1) + dilation * (k - 1) + 1 - pads. */
  outputSize?: [number, number];
}

export interface PoolOptions extends WindowOptions {
  kernel: number | [number, number];
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** Pads giving output = ceil(size / stride), extra padding at the end (ONNX SAME_UPPER). */
function samePads(size: [number, number], kernel: [number, number], strides: [number, number], dilations: [number, number]): [number, number, number, number] {
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = Math.ceil(size[i]! / strides[i]!);
    const total = Math.max(0, (out - 1) * strides[i]! + dilations[i]! * (kernel[i]! - 1) + 1 - size[i]!);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  }
  return [begin[0]!, begin[1]!, end[0]!, end[1]!];
}

/**
 * A typed computation graph and its builder. Every op checks dtypes and static
 * shapes when it is added, so a mismatch fails here, naming the op and the
 * shapes, rather than later inside ONNX Runtime.
 *
 * @example
 * const g = new Graph();
 * const x = g.input('x', ['N', 784]);
 * const w = g.param('w', [784, 32]);
 * const h = g.relu(g.matmul(x, w));
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly params: Value[] = [];
  readonly constants: Value[] = [];
  private readonly byName = new Map<string, Value>();
  private nextId = 0;
  private randomOps = 0;

  /** @param seed base seed of the graph's random ops; each op derives its own from it. */
  constructor(readonly seed = 0) {}

  /** A value fed at run time (data, labels, a learning rate). */
  input(name: string, shape: Shape, dtype: DType = 'float32'): Value {
    const v = this.declare(name, shape, dtype, 'input');
    this.inputs.push(v);
    return v;
  }

  /** A trainable parameter; training graphs take parameters as inputs, so ONNX Runtime never folds them. */
  param(name: string, shape: readonly number[], dtype: DType = 'float32'): Value {
    for (const d of shape) {
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw new GraphBuildError(`param '${name}': shape ${formatShape(shape)} must hold positive integers`);
    }
    const v = this.declare(name, shape, dtype, 'param');
    this.params.push(v);
    return v;
  }

  /** A constant tensor baked into the graph. */
  constant(data: TensorData, name?: string): Value {
    const v = new Value(this, this.nextId++, data.dtype, [...data.shape], 'const', this.uniqueName(name ?? 'const'), undefined, 0, data);
    this.byName.set(v.name, v);
    this.constants.push(v);
    return v;
  }

  /** A rank-0 constant. */
  scalar(value: number, dtype: DType = 'float32'): Value {
    return this.constant(tensor(dtype, [], [value]));
  }

  /** Looks a declared input, parameter or constant up by name. */
  get(name: string): Value {
    const v = this.byName.get(name);
    if (!v) throw new GraphBuildError(`no input, parameter or constant named '${name}' is declared in this graph`);
    return v;
  }

  /**
   * Adds a node by op name: the entry point for graphs described as data
   * (JSON configs). Unknown op names and attribute mistakes fail here.
   */
  op(name: string, inputs: Value[], attrs: Record<string, unknown> = {}): Value[] {
    if (!Object.prototype.hasOwnProperty.call(opSpecs, name)) {
      throw new GraphBuildError(`unknown op '${name}'; known ops: ${Object.keys(opSpecs).join(', ')}`);
    }
    return this.apply(name as OpName, inputs, attrs as OpAttrs[OpName]);
  }

  /** Adds a primitive node after checking its inputs; returns its outputs. */
  apply<K extends OpName>(op: K, inputs: readonly Value[], attrs: OpAttrs[K]): Value[] {
    const spec = opSpecs[op] as (typeof opSpecs)[K];
    const id = this.nextId++;
    const where = `${op} (node ${id})`;
    for (const [i, v] of inputs.entries()) {
      if (!(v instanceof Value)) throw new GraphBuildError(`${where}: input ${i} is not a graph value`);
      if (v.graph !== this) {
        throw new GraphBuildError(`${where}: input ${i} '${v.name}' belongs to another graph; declare it in this graph with input() or param()`);
      }
    }
    if (inputs.length < spec.arity[0] || inputs.length > spec.arity[1]) {
      throw new GraphBuildError(`${where}: expects ${spec.arity[0]}${spec.arity[1] !== spec.arity[0] ? `..${spec.arity[1]}` : ''} inputs, got ${inputs.length}`);
    }
    let infos;
    try {
      infos = spec.infer(inputs, attrs);
    } catch (e) {
      if (e instanceof GraphBuildError) {
        throw new GraphBuildError(`${where}: ${e.message} (inputs ${inputs.map((v) => `${v.dtype}${formatShape(v.shape)}`).join(', ')})`);
      }
      throw e;
    }
    const outputs: Value[] = [];
    const node: Node<K> = { id, op, inputs: [...inputs], attrs, outputs };
    infos.forEach((info, i) => {
      outputs.push(new Value(this, this.nextId++, info.dtype, info.shape, 'op', `${op.toLowerCase()}_${id}${i ? `_${i}` : ''}`, node, i));
    });
    this.nodes.push(node as unknown as Node);
    return outputs;
  }

  private one<K extends OpName>(op: K, inputs: readonly Value[], attrs: OpAttrs[K]): Value {
    return this.apply(op, inputs, attrs)[0]!;
  }

  private declare(name: string, shape: Shape, dtype: DType, kind: ValueKind): Value {
    if (!/^[A-Za-z_][\w./:-]*$/.test(name)) throw new GraphBuildError(`invalid name '${name}': use letters, digits, '_', '.', '/', ':' or '-'`);
    if (this.byName.has(name)) throw new GraphBuildError(`'${name}' is declared twice`);
    const v = new Value(this, this.nextId++, dtype, [...shape], kind, name);
    this.byName.set(name, v);
    return v;
  }

  private uniqueName(base: string): string {
    let name = `${base}_${this.nextId}`;
    while (this.byName.has(name)) name += '_';
    return name;
  }

  private operands(a: Operand, b: Operand): [Value, Value] {
    if (typeof a === 'number' && typeof b === 'number') throw new GraphBuildError('at least one operand must be a graph value');
    const av = typeof a === 'number' ? this.scalar(a, (b as Value).dtype) : a;
    const bv = typeof b === 'number' ? this.scalar(b, av.dtype) : b;
    return [av, bv];
  }

  /** A scalar constant of v's dtype. */
  scalarLike(value: number, like: Value): Value {
    return this.scalar(value, like.dtype);
  }

  // Arithmetic (numpy broadcasting)
  add(a: Operand, b: Operand): Value { return this.one('Add', this.operands(a, b), {}); }
  sub(a: Operand, b: Operand): Value { return this.one('Sub', this.operands(a, b), {}); }
  mul(a: Operand, b: Operand): Value { return this.one('Mul', this.operands(a, b), {}); }
  div(a: Operand, b: Operand): Value { return this.one('Div', this.operands(a, b), {}); }
  /** a ** b, elementwise. */
  pow(a: Operand, b: Operand): Value { return this.one('Pow', this.operands(a, b), {}); }
  neg(x: Value): Value { return this.one('Neg', [x], {}); }
  exp(x: Value): Value { return this.one('Exp', [x], {}); }
  log(x: Value): Value { return this.one('Log', [x], {}); }
  sqrt(x: Value): Value { return this.one('Sqrt', [x], {}); }
  abs(x: Value): Value { return this.one('Abs', [x], {}); }
  sign(x: Value): Value { return this.one('Sign', [x], {}); }
  square(x: Value): Value { return this.one('Square', [x], {}); }

  // Activations
  relu(x: Value): Value { return this.one('Relu', [x], {}); }
  /** x if x > 0 else alpha * x */
  leakyRelu(x: Value, alpha = 0.01): Value { return this.one('LeakyRelu', [x], { alpha }); }
  /** x if x > 0 else alpha * (exp(x) - 1) */
  elu(x: Value, alpha = 1): Value { return this.one('Elu', [x], { alpha }); }
  sigmoid(x: Value): Value { return this.one('Sigmoid', [x], {}); }
  tanh(x: Value): Value { return this.one('Tanh', [x], {}); }
  /** log(1 + exp(x)) */
  softplus(x: Value): Value { return this.one('Softplus', [x], {}); }
  /** erf(x) = 2/√π ∫₀ˣ e^(−t²) dt */
  erf(x: Value): Value { return this.one('Erf', [x], {}); }
  /** Exact GELU: x · Φ(x) = ½ x (1 + erf(x / √2)). */
  gelu(x: Value): Value { return this.mul(this.mul(x, 0.5), this.add(this.erf(this.mul(x, Math.SQRT1_2)), 1)); }
  softmax(x: Value, axis = -1): Value { return this.one('Softmax', [x], { axis }); }
  logSoftmax(x: Value, axis = -1): Value { return this.one('LogSoftmax', [x], { axis }); }

  // Reductions; an empty axes list reduces every axis.
  reduceSum(x: Value, axes: number[] = [], keepdims = false): Value { return this.one('ReduceSum', [x], { axes: reduceAxes(axes, x.rank), keepdims }); }
  reduceMean(x: Value, axes: number[] = [], keepdims = false): Value { return this.one('ReduceMean', [x], { axes: reduceAxes(axes, x.rank), keepdims }); }
  reduceMax(x: Value, axes: number[] = [], keepdims = false): Value { return this.one('ReduceMax', [x], { axes: reduceAxes(axes, x.rank), keepdims }); }

  // Shape ops
  /** Flattens every axis from `axis` on into one: [N, C, H, W] → [N, C·H·W]. */
  flatten(x: Value, axis = 1): Value {
    return this.reshape(x, [...x.shape.slice(0, axis), -1]);
  }
  /**
   * Reshape to a static shape; one -1 is resolved here. Symbolic dims (the
   * batch) must be kept, alone or merged with numbers ('N*784').
   */
  reshape(x: Value, shape: readonly Dim[]): Value {
    const resolved = resolveReshape(x.shape, shape);
    // Same shape: no node. ONNX Runtime runs even a no-op Reshape as a kernel
    // call, and the packed update reshaped every 1-D gradient to itself.
    if (resolved.length === x.rank && resolved.every((d, i) => d === x.shape[i])) return x;
    return this.one('Reshape', [x], { shape: resolved });
  }
  transpose(x: Value, perm?: number[]): Value {
    return this.one('Transpose', [x], { perm: perm ?? [...Array(x.rank).keys()].reverse() });
  }
  concat(xs: Value[], axis: number): Value { return this.one('Concat', xs, { axis }); }
  /** ONNX-style slice; ends past the dim clamp. */
  slice(x: Value, starts: number[], ends: number[], axes?: number[], steps?: number[]): Value {
    return this.one('Slice', [x], { starts, ends, axes: axes ?? starts.map((_, i) => i), steps: steps ?? starts.map(() => 1) });
  }
  /** Constant padding; pads in ONNX order (all begins, then all ends). */
  pad(x: Value, pads: number[], value = 0): Value { return this.one('Pad', [x], { pads, value }); }
  gather(x: Value, indices: Value, axis = 0): Value { return this.one('Gather', [x, indices], { axis }); }
  /** Zeros like `like`, with `updates` added at `indices` along `axis`: the adjoint of gather. */
  scatterAddAlongAxis(like: Value, indices: Value, updates: Value, axis = 0): Value {
    return this.one('ScatterAddAlongAxis', [like, indices, updates], { axis });
  }
  /** Broadcasts x to like's shape. */
  expand(x: Value, like: Value): Value { return this.one('Expand', [x, like], {}); }
  fillLike(x: Value, value: number): Value { return this.one('FillLike', [x], { value }); }
  zerosLike(x: Value): Value { return this.fillLike(x, 0); }
  onesLike(x: Value): Value { return this.fillLike(x, 1); }

  // Selection and comparison
  where(cond: Value, a: Operand, b: Operand): Value {
    const [av, bv] = this.operands(a, b);
    return this.one('Where', [cond, av, bv], {});
  }
  greater(a: Operand, b: Operand): Value { return this.one('Greater', this.operands(a, b), {}); }
  less(a: Operand, b: Operand): Value { return this.one('Less', this.operands(a, b), {}); }
  equal(a: Operand, b: Operand): Value { return this.one('Equal', this.operands(a, b), {}); }
  clip(x: Value, min: number, max: number): Value { return this.one('Clip', [x], { min, max }); }
  /**
   * The k largest values along `axis` (default the last), largest first, or
   * with `largest: false` the k smallest, smallest first; and their int64
   * indices along the axis (ties: lower index first).
   */
  topK(x: Value, k: number, opts: { axis?: number; largest?: boolean } = {}): { values: Value; indices: Value } {
    const [values, indices] = this.apply('TopK', [x], { k, axis: opts.axis ?? -1, largest: opts.largest ?? true });
    return { values: values!, indices: indices! };
  }
  cast(x: Value, to: DType): Value { return this.one('Cast', [x], { to }); }
  identity(x: Value): Value { return this.one('Identity', [x], {}); }

  // Linear algebra
  /** Numpy matmul over the last two axes, batch axes broadcast. */
  matmul(a: Value, b: Value): Value { return this.one('MatMul', [a, b], {}); }
  /** alpha * op(a) @ op(b) + c for 2-D a and b, where op transposes when asked. */
  gemm(a: Value, b: Value, c?: Value, opts: { transA?: boolean; transB?: boolean; alpha?: number } = {}): Value {
    return this.one('Gemm', c ? [a, b, c] : [a, b], { transA: opts.transA ?? false, transB: opts.transB ?? false, alpha: opts.alpha ?? 1 });
  }

  // Convolution and pooling (NCHW)
  /** 2-D convolution; w has shape [outChannels, inChannels, kH, kW]. */
  conv2d(x: Value, w: Value, opts: ConvOptions = {}): Value {
    const strides = pair(opts.strides ?? 1);
    const dilations = pair(opts.dilations ?? 1);
    const kernel = [w.shape[2], w.shape[3]] as [number, number];
    const pads = this.resolvePads(x, opts.pads, kernel, strides, dilations);
    return this.one('Conv', opts.bias ? [x, w, opts.bias] : [x, w], { strides, pads, dilations });
  }

  /** 2-D transposed convolution; w has shape [inChannels, outChannels, kH, kW]. */
  convTranspose2d(x: Value, w: Value, opts: ConvTransposeOptions = {}): Value {
    const strides = pair(opts.strides ?? 1);
    const dilations = pair(opts.dilations ?? 1);
    const kernel = [w.shape[2], w.shape[3]] as [number, number];
    let pads: [number, number, number, number];
    if (opts.pads === 'same') {
      // Transposed 'same': output = input * stride, as Keras does.
      const out = [Number(x.shape[2]) * strides[0], Number(x.shape[3]) * strides[1]] as [number, number];
      pads = samePads(out, kernel, strides, dilations);
      return this.one('ConvTranspose', opts.bias ? [x, w, opts.bias] : [x, w], { strides, pads, dilations, outputSize: opts.outputSize ?? out });
    }
    pads = this.resolvePads(x, opts.pads, kernel, strides, dilations);
    const outputSize = opts.outputSize ?? ([0, 1].map((i) => strides[i]! * (Number(x.shape[2 + i]) - 1) + dilations[i]! * (kernel[i]! - 1) + 1 - pads[i]! - pads[i + 2]!) as [number, number]);
    return this.one('ConvTranspose', opts.bias ? [x, w, opts.bias] : [x, w], { strides, pads, dilations, outputSize });
  }

  maxPool2d(x: Value, opts: PoolOptions): Value {
    const kernel = pair(opts.kernel);
    const strides = pair(opts.strides ?? kernel);
    return this.apply('MaxPool', [x], { kernel, strides, pads: this.resolvePads(x, opts.pads, kernel, strides, [1, 1]) })[0]!;
  }

  /** Average pooling; by default padded cells are not counted (ONNX count_include_pad = 0). */
  avgPool2d(x: Value, opts: PoolOptions & { countIncludePad?: boolean }): Value {
    const kernel = pair(opts.kernel);
    const strides = pair(opts.strides ?? kernel);
    const pads = this.resolvePads(x, opts.pads, kernel, strides, [1, 1]);
    return this.one('AveragePool', [x], { kernel, strides, pads, countIncludePad: opts.countIncludePad ?? false });
  }

  /** Nearest-neighbour upsampling by integer factors. */
  upsample2d(x: Value, scale: number | [number, number]): Value {
    return this.one('Upsample', [x], { scale: pair(scale) });
  }

  private resolvePads(x: Value, pads: WindowOptions['pads'], kernel: [number, number], strides: [number, number], dilations: [number, number]): [number, number, number, number] {
    if (pads === undefined || pads === 'valid') return [0, 0, 0, 0];
    if (typeof pads === 'number') return [pads, pads, pads, pads];
    if (pads === 'same') {
      if (x.rank !== 4 || typeof x.shape[2] !== 'number' || typeof x.shape[3] !== 'number') {
        throw new GraphBuildError(`'same' padding needs a 4-D input with known height and width, got ${formatShape(x.shape)}`);
      }
      return samePads([x.shape[2], x.shape[3]], kernel, strides, dilations);
    }
    return pads;
  }

  // Randomness: seeded ONNX Runtime generators, fresh values on every run.
  private nextSeed(): number {
    // Distinct, reproducible seeds per op; ONNX stores the seed as a float, so stay below 2^24.
    this.randomOps += 1;
    return ((this.seed * 7919 + this.randomOps * 104729) % 16777213) + 1;
  }
  /** Normal noise shaped like x. */
  randomNormalLike(x: Value, mean = 0, scale = 1): Value {
    return this.one('RandomNormalLike', [x], { mean, scale, seed: this.nextSeed() });
  }
  /** Uniform noise in [low, high) shaped like x. */
  randomUniformLike(x: Value, low = 0, high = 1): Value {
    return this.one('RandomUniformLike', [x], { low, high, seed: this.nextSeed() });
  }

  // Composites: built from primitives, so they need no gradient rules of their own.

  /** x + N(0, stddev²) noise, drawn afresh at every run. */
  gaussianNoise(x: Value, stddev: number): Value {
    return this.add(x, this.randomNormalLike(x, 0, stddev));
  }

  /**
   * Inverted dropout: in training, zero each element with probability `rate` and
   * scale the survivors by 1 / (1 - rate); in inference, the identity.
   */
  dropout(x: Value, rate: number, training: boolean): Value {
    if (!(rate >= 0 && rate < 1)) throw new GraphBuildError(`dropout rate must be in [0, 1), got ${rate}`);
    if (!training || rate === 0) return x;
    const keep = this.cast(this.greater(this.randomUniformLike(x), rate), x.dtype);
    return this.dropoutWithMask(x, keep, rate);
  }

  /** Dropout with a given 0/1 keep mask (used for testing and for replaying masks). */
  dropoutWithMask(x: Value, keepMask: Value, rate: number): Value {
    return this.mul(x, this.mul(keepMask, 1 / (1 - rate)));
  }

  /**
   * Layer normalization over the last `axes` axes (default 1), per sample and
   * position: y = γ · (x − μ) / √(σ² + ε) + β with μ and the biased σ² taken
   * over those axes (ONNX opset 17 LayerNormalization, composed from primitives
   * so that its gradient comes from their rules). γ and β, when given, have the
   * normalized axes' shape.
   */
  layerNorm(x: Value, p: { gamma?: Value; beta?: Value } = {}, opts: { axes?: number; epsilon?: number } = {}): Value {
    if (!isFloat(x.dtype)) throw new GraphBuildError(`layerNorm expects a float input, got ${x.dtype}`);
    const k = opts.axes ?? 1;
    if (!(Number.isInteger(k) && k >= 1 && k <= x.rank)) throw new GraphBuildError(`layerNorm: axes must be an integer in [1, ${x.rank}], got ${k}`);
    const axes = [...Array(k).keys()].map((i) => x.rank - k + i);
    const mean = this.reduceMean(x, axes, true);
    const centered = this.sub(x, mean);
    const variance = this.reduceMean(this.square(centered), axes, true);
    let y = this.div(centered, this.sqrt(this.add(variance, opts.epsilon ?? 1e-5)));
    if (p.gamma) y = this.mul(y, p.gamma);
    if (p.beta) y = this.add(y, p.beta);
    return y;
  }

  /**
   * Softmax along `axis` of x + mask, where the additive mask holds 0 where
   * attention is allowed and a large negative number (−1e9, see
   * {@link MASK_NEGATIVE}) where it is not; the mask broadcasts against x.
   * A row whose every entry is masked comes out uniform, not NaN.
   */
  maskedSoftmax(x: Value, mask: Value | undefined, axis = -1): Value {
    return this.softmax(mask ? this.add(x, mask) : x, axis);
  }

  /**
   * Batch normalization over every axis but the channel axis 1 (x is [N, C] or
   * [N, C, H, W]). Training normalizes with the batch's mean and biased variance
   * and returns updated running averages:
   * running ← momentum · running + (1 − momentum) · batch statistic.
   * Inference normalizes with the running averages.
   */
  batchNorm(
    x: Value,
    p: { gamma: Value; beta: Value; runningMean: Value; runningVar: Value },
    opts: { training: boolean; momentum?: number; epsilon?: number },
  ): { y: Value; runningMean?: Value; runningVar?: Value } {
    if (x.rank !== 2 && x.rank !== 4) throw new GraphBuildError(`batchNorm expects [N, C] or [N, C, H, W], got ${formatShape(x.shape)}`);
    if (!isFloat(x.dtype)) throw new GraphBuildError(`batchNorm expects a float input, got ${x.dtype}`);
    const channels = x.shape[1]!;
    const statShape: Dim[] = x.rank === 4 ? [1, channels, 1, 1] : [1, channels];
    const axes = x.rank === 4 ? [0, 2, 3] : [0];
    const eps = opts.epsilon ?? 1e-5;
    const momentum = opts.momentum ?? 0.9;
    const asStat = (v: Value) => this.reshape(v, statShape);
    const scale = (mean: Value, variance: Value) => {
      const normalized = this.div(this.sub(x, mean), this.sqrt(this.add(variance, eps)));
      return this.add(this.mul(normalized, asStat(p.gamma)), asStat(p.beta));
    };
    if (!opts.training) return { y: scale(asStat(p.runningMean), asStat(p.runningVar)) };
    const mean = this.reduceMean(x, axes, true);
    const variance = this.reduceMean(this.square(this.sub(x, mean)), axes, true);
    const update = (running: Value, batch: Value) =>
      this.add(this.mul(running, momentum), this.mul(this.reshape(batch, [channels]), 1 - momentum));
    return { y: scale(mean, variance), runningMean: update(p.runningMean, mean), runningVar: update(p.runningVar, variance) };
  }
}

/**
 * Resolves one -1 in a reshape target statically. When the input has a
 * symbolic dim and the target has none, the -1 becomes a derived symbol, so
 * [N, 28, 28] → [-1] gives ['N*784'].
 */
function resolveReshape(from: Shape, to: readonly Dim[]): Dim[] {
  const unknown = to.filter((d) => d === -1).length;
  if (unknown === 0) return [...to];
  if (unknown > 1) throw new GraphBuildError(`Reshape: at most one -1 in target ${formatShape(to)}`);
  let knownFrom = 1;
  let base: string | undefined;
  for (const d of from) {
    const s = splitDim(d);
    knownFrom *= s.factor;
    if (s.base) base = s.base;
  }
  let knownTo = 1;
  let targetHasSymbol = false;
  for (const d of to) {
    if (d === -1) continue;
    const s = splitDim(d);
    knownTo *= s.factor;
    if (s.base) targetHasSymbol = true;
  }
  const rest = knownFrom / knownTo;
  if (!Number.isInteger(rest)) throw new GraphBuildError(`Reshape: cannot reshape ${formatShape(from)} to ${formatShape(to)}`);
  const fill = base !== undefined && !targetHasSymbol ? joinDim(base, rest) : rest;
  return to.map((d) => (d === -1 ? fill : d));
}
