import { type DType, type Dim, type Shape, formatShape, isFloat, splitDim } from './types.js';

/** Spatial geometry shared by convolution and pooling (2-D, NCHW). */
export interface Window2D {
  /** [strideH, strideW] */
  strides: [number, number];
  /** ONNX order: [top, left, bottom, right] */
  pads: [number, number, number, number];
}

/**
 * Every primitive op of the IR and its attributes. Composite ops (batch
 * normalization, dropout, noise) are built from these by the graph builder, so
 * they need no rules of their own.
 */
export interface OpAttrs {
  Identity: Record<string, never>;
  MatMul: Record<string, never>;
  /** Y = alpha * op(A) @ op(B) + C, A and B 2-D. */
  Gemm: { transA: boolean; transB: boolean; alpha: number };
  Add: Record<string, never>;
  Sub: Record<string, never>;
  Mul: Record<string, never>;
  Div: Record<string, never>;
  Pow: Record<string, never>;
  Neg: Record<string, never>;
  Exp: Record<string, never>;
  Log: Record<string, never>;
  Sqrt: Record<string, never>;
  Abs: Record<string, never>;
  Sign: Record<string, never>;
  Square: Record<string, never>;
  Relu: Record<string, never>;
  LeakyRelu: { alpha: number };
  Elu: { alpha: number };
  Sigmoid: Record<string, never>;
  Tanh: Record<string, never>;
  Softplus: Record<string, never>;
  /** The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt (ONNX Erf); GELU is built on it. */
  Erf: Record<string, never>;
  Softmax: { axis: number };
  LogSoftmax: { axis: number };
  ReduceSum: { axes: number[]; keepdims: boolean };
  ReduceMean: { axes: number[]; keepdims: boolean };
  ReduceMax: { axes: number[]; keepdims: boolean };
  Reshape: { shape: Dim[] };
  Transpose: { perm: number[] };
  Concat: { axis: number };
  Slice: { starts: number[]; ends: number[]; axes: number[]; steps: number[] };
  /** pads in ONNX order: all begins, then all ends. */
  Pad: { pads: number[]; value: number };
  Gather: { axis: number };
  /** Zeros shaped like input 0, with input 2 added at input 1's positions along `axis` (the gradient of Gather). */
  ScatterAddAlongAxis: { axis: number };
  Where: Record<string, never>;
  Greater: Record<string, never>;
  Less: Record<string, never>;
  Equal: Record<string, never>;
  Clip: { min: number; max: number };
  /**
   * The k largest (or smallest) values along `axis`, sorted (largest first,
   * or smallest first), and their int64 indices along the axis; ties keep the
   * lower index first (ONNX TopK).
   */
  TopK: { k: number; axis: number; largest: boolean };
  Cast: { to: DType };
  /** Broadcasts input 0 to the shape of input 1. */
  Expand: Record<string, never>;
  /** A tensor shaped like the input, filled with `value`. */
  FillLike: { value: number };
  Conv: Window2D & { dilations: [number, number] };
  ConvTranspose: Window2D & { dilations: [number, number]; outputSize: [number, number] };
  MaxPool: Window2D & { kernel: [number, number] };
  AveragePool: Window2D & { kernel: [number, number]; countIncludePad: boolean };
  /** Nearest-neighbour upsampling of NCHW by integer factors. */
  Upsample: { scale: [number, number] };
  RandomNormalLike: { mean: number; scale: number; seed: number };
  RandomUniformLike: { low: number; high: number; seed: number };
}

export type OpName = keyof OpAttrs;

/** What shape inference sees of an input. */
export interface ValueInfo {
  readonly dtype: DType;
  readonly shape: Shape;
}

/** Raised while building a graph: shape or dtype mismatches, unknown ops, foreign values. */
export class GraphBuildError extends Error {
  override name = 'GraphBuildError';
}

interface OpSpec<K extends OpName> {
  /** [minimum, maximum] number of inputs */
  arity: [number, number];
  infer(inputs: readonly ValueInfo[], attrs: OpAttrs[K]): ValueInfo[];
}

function fail(message: string): never {
  throw new GraphBuildError(message);
}

function requireFloat(v: ValueInfo, what: string): void {
  if (!isFloat(v.dtype)) fail(`${what} must be float32 or float64, got ${v.dtype}`);
}

function sameDtype(inputs: readonly ValueInfo[]): DType {
  const dtype = inputs[0]!.dtype;
  for (const v of inputs) {
    if (v.dtype !== dtype) fail(`operands have different dtypes: ${inputs.map((i) => i.dtype).join(' vs ')}`);
  }
  return dtype;
}

/** Numpy broadcasting of static shapes; a symbol only matches itself or 1. */
export function broadcastShapes(...shapes: Shape[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim === 1) dim = d;
      else if (dim !== d) fail(`cannot broadcast shapes ${shapes.map(formatShape).join(' and ')}`);
    }
    out.push(dim);
  }
  return out;
}

export function normalizeAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) fail(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

const elementwise = (inputs: readonly ValueInfo[]): ValueInfo[] => {
  const dtype = sameDtype(inputs);
  return [{ dtype, shape: broadcastShapes(...inputs.map((i) => i.shape)) }];
};
const floatBinary = (inputs: readonly ValueInfo[]): ValueInfo[] => {
  requireFloat(inputs[0]!, 'operand');
  return elementwise(inputs);
};
const floatUnary = (inputs: readonly ValueInfo[]): ValueInfo[] => {
  requireFloat(inputs[0]!, 'input');
  return [{ dtype: inputs[0]!.dtype, shape: inputs[0]!.shape }];
};
const numericUnary = (inputs: readonly ValueInfo[]): ValueInfo[] => {
  if (inputs[0]!.dtype === 'bool') fail('input must be numeric, got bool');
  return [{ dtype: inputs[0]!.dtype, shape: inputs[0]!.shape }];
};
const compare = (inputs: readonly ValueInfo[]): ValueInfo[] => {
  sameDtype(inputs);
  return [{ dtype: 'bool', shape: broadcastShapes(inputs[0]!.shape, inputs[1]!.shape) }];
};
const reduce = (inputs: readonly ValueInfo[], attrs: { axes: number[]; keepdims: boolean }): ValueInfo[] => {
  const x = inputs[0]!;
  if (x.dtype === 'bool') fail('cannot reduce a bool tensor');
  const axes = reduceAxes(attrs.axes, x.shape.length);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!axes.includes(i)) shape.push(d);
    else if (attrs.keepdims) shape.push(1);
  });
  return [{ dtype: x.dtype, shape }];
};
const softmaxLike = (inputs: readonly ValueInfo[], attrs: { axis: number }): ValueInfo[] => {
  normalizeAxis(attrs.axis, inputs[0]!.shape.length);
  return floatUnary(inputs);
};

/** Axes of a reduction, normalized and sorted; an empty list means every axis. */
export function reduceAxes(axes: readonly number[], rank: number): number[] {
  if (axes.length === 0) return [...Array(rank).keys()];
  const out = axes.map((a) => normalizeAxis(a, rank, 'reduction axis'));
  if (new Set(out).size !== out.length) fail(`repeated reduction axes ${axes.join(', ')}`);
  return out.sort((a, b) => a - b);
}

function requireNCHW(v: ValueInfo, what: string): void {
  if (v.shape.length !== 4) fail(`${what} must be 4-D (N, C, H, W), got shape ${formatShape(v.shape)}`);
}

function numericDim(d: Dim, what: string): number {
  if (typeof d !== 'number') fail(`${what} must be a known size, got symbolic ${d}`);
  return d;
}

/** Output length of a sliding window (floor mode), as in ONNX Conv and pooling. */
export function windowOutput(size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation = 1): number {
  const effective = dilation * (kernel - 1) + 1;
  return Math.floor((size + padBegin + padEnd - effective) / stride) + 1;
}

function checkWindow(attrs: Window2D & { dilations?: [number, number] }): void {
  for (const s of attrs.strides) if (!(Number.isInteger(s) && s >= 1)) fail(`strides must be positive integers, got ${attrs.strides.join(', ')}`);
  for (const p of attrs.pads) if (!(Number.isInteger(p) && p >= 0)) fail(`pads must be non-negative integers, got ${attrs.pads.join(', ')}`);
  for (const d of attrs.dilations ?? [1, 1]) if (!(Number.isInteger(d) && d >= 1)) fail(`dilations must be positive integers, got ${attrs.dilations!.join(', ')}`);
}

function spatialOut(x: ValueInfo, kernel: [number, number], attrs: Window2D, dilations: [number, number] = [1, 1]): [number, number] {
  const out: number[] = [];
  for (let i = 0; i < 2; i++) {
    const size = numericDim(x.shape[2 + i]!, 'spatial size');
    const o = windowOutput(size, kernel[i]!, attrs.strides[i]!, attrs.pads[i]!, attrs.pads[i + 2]!, dilations[i]!);
    if (o < 1) fail(`window of ${kernel.join('x')} (dilation ${dilations.join('x')}) does not fit input ${formatShape(x.shape)} with pads ${attrs.pads.join(', ')}`);
    out.push(o);
  }
  return out as [number, number];
}

function checkBias(inputs: readonly ValueInfo[], channels: Dim): void {
  const b = inputs[2];
  if (b && (b.shape.length !== 1 || b.shape[0] !== channels)) {
    fail(`bias must have shape [${channels}], got ${formatShape(b.shape)}`);
  }
}

/** Shape and dtype rules, one per op; the mapped type makes a missing op a compile error. */
export const opSpecs: { [K in OpName]: OpSpec<K> } = {
  Identity: { arity: [1, 1], infer: (i) => [i[0]!] },
  MatMul: {
    arity: [2, 2],
    infer(inputs) {
      const [a, b] = inputs as [ValueInfo, ValueInfo];
      requireFloat(a, 'MatMul operand');
      const dtype = sameDtype(inputs);
      if (a.shape.length < 2 || b.shape.length < 2) fail(`operands must have rank >= 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
      const k1 = a.shape[a.shape.length - 1]!;
      const k2 = b.shape[b.shape.length - 2]!;
      if (k1 !== k2) fail(`inner dimensions differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`);
      const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
      return [{ dtype, shape: [...batch, a.shape[a.shape.length - 2]!, b.shape[b.shape.length - 1]!] }];
    },
  },
  Gemm: {
    arity: [2, 3],
    infer(inputs, attrs) {
      const [a, b] = inputs as [ValueInfo, ValueInfo];
      requireFloat(a, 'Gemm operand');
      const dtype = sameDtype(inputs);
      if (a.shape.length !== 2 || b.shape.length !== 2) fail(`Gemm operands must be 2-D, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
      const [m, k1] = attrs.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
      const [k2, n] = attrs.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
      if (k1 !== k2) fail(`inner dimensions differ: ${formatShape(a.shape)}${attrs.transA ? 'ᵀ' : ''} @ ${formatShape(b.shape)}${attrs.transB ? 'ᵀ' : ''}`);
      if (inputs[2]) {
        const out = broadcastShapes([m, n], inputs[2].shape);
        if (out.length !== 2 || out[0] !== m || out[1] !== n) fail(`C of shape ${formatShape(inputs[2].shape)} does not broadcast to [${m}, ${n}]`);
      }
      return [{ dtype, shape: [m, n] }];
    },
  },
  Add: { arity: [2, 2], infer: elementwise },
  Sub: { arity: [2, 2], infer: elementwise },
  Mul: { arity: [2, 2], infer: elementwise },
  Div: { arity: [2, 2], infer: elementwise },
  Pow: { arity: [2, 2], infer: floatBinary },
  Neg: { arity: [1, 1], infer: numericUnary },
  Exp: { arity: [1, 1], infer: floatUnary },
  Log: { arity: [1, 1], infer: floatUnary },
  Sqrt: { arity: [1, 1], infer: floatUnary },
  Abs: { arity: [1, 1], infer: numericUnary },
  Sign: { arity: [1, 1], infer: numericUnary },
  Square: { arity: [1, 1], infer: numericUnary },
  Relu: { arity: [1, 1], infer: floatUnary },
  LeakyRelu: { arity: [1, 1], infer: floatUnary },
  Elu: { arity: [1, 1], infer: floatUnary },
  Sigmoid: { arity: [1, 1], infer: floatUnary },
  Tanh: { arity: [1, 1], infer: floatUnary },
  Softplus: { arity: [1, 1], infer: floatUnary },
  Erf: { arity: [1, 1], infer: floatUnary },
  Softmax: { arity: [1, 1], infer: softmaxLike },
  LogSoftmax: { arity: [1, 1], infer: softmaxLike },
  ReduceSum: { arity: [1, 1], infer: reduce },
  ReduceMean: { arity: [1, 1], infer: reduce },
  ReduceMax: { arity: [1, 1], infer: reduce },
  Reshape: {
    arity: [1, 1],
    infer(inputs, attrs) {
      const x = inputs[0]!;
      checkReshape(x.shape, attrs.shape);
      return [{ dtype: x.dtype, shape: attrs.shape }];
    },
  },
  Transpose: {
    arity: [1, 1],
    infer(inputs, attrs) {
      const x = inputs[0]!;
      const rank = x.shape.length;
      const sorted = [...attrs.perm].sort((a, b) => a - b);
      if (attrs.perm.length !== rank || sorted.some((p, i) => p !== i)) {
        fail(`perm [${attrs.perm.join(', ')}] is not a permutation of the ${rank} axes of ${formatShape(x.shape)}`);
      }
      return [{ dtype: x.dtype, shape: attrs.perm.map((p) => x.shape[p]!) }];
    },
  },
  Concat: {
    arity: [1, Infinity],
    infer(inputs, attrs) {
      const dtype = sameDtype(inputs);
      const first = inputs[0]!;
      const axis = normalizeAxis(attrs.axis, first.shape.length);
      let total: Dim = 0;
      for (const v of inputs) {
        if (v.shape.length !== first.shape.length || v.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
          fail(`cannot concatenate ${inputs.map((i) => formatShape(i.shape)).join(', ')} along axis ${attrs.axis}`);
        }
        total = (total as number) + numericDim(v.shape[axis]!, 'concatenated axis');
      }
      const shape = [...first.shape];
      shape[axis] = total;
      return [{ dtype, shape }];
    },
  },
  Slice: {
    arity: [1, 1],
    infer(inputs, attrs) {
      const x = inputs[0]!;
      const { starts, ends, axes, steps } = attrs;
      if (starts.length !== axes.length || ends.length !== axes.length || steps.length !== axes.length) {
        fail('starts, ends, axes and steps must have the same length');
      }
      const shape = [...x.shape];
      axes.forEach((rawAxis, i) => {
        const axis = normalizeAxis(rawAxis, x.shape.length);
        const [start, , step, count] = sliceRange(x.shape[axis]!, starts[i]!, ends[i]!, steps[i]!);
        if (typeof x.shape[axis] === 'string') {
          if (start !== 0 || step !== 1 || count !== x.shape[axis]) fail(`cannot slice symbolic dim ${x.shape[axis]} except whole`);
        }
        shape[axis] = count;
      });
      return [{ dtype: x.dtype, shape }];
    },
  },
  Pad: {
    arity: [1, 1],
    infer(inputs, attrs) {
      const x = inputs[0]!;
      const rank = x.shape.length;
      if (attrs.pads.length !== 2 * rank || attrs.pads.some((p) => !(Number.isInteger(p) && p >= 0))) {
        fail(`pads must be ${2 * rank} non-negative integers for rank ${rank}, got [${attrs.pads.join(', ')}]`);
      }
      const shape = x.shape.map((d, i) => {
        const extra = attrs.pads[i]! + attrs.pads[i + rank]!;
        if (extra === 0) return d;
        return numericDim(d, 'padded dim') + extra;
      });
      return [{ dtype: x.dtype, shape }];
    },
  },
  Gather: {
    arity: [2, 2],
    infer(inputs, attrs) {
      const [x, idx] = inputs as [ValueInfo, ValueInfo];
      if (idx.dtype !== 'int64' && idx.dtype !== 'int32') fail(`indices must be int64 or int32, got ${idx.dtype}`);
      const axis = normalizeAxis(attrs.axis, x.shape.length);
      return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)] }];
    },
  },
  ScatterAddAlongAxis: {
    arity: [3, 3],
    infer(inputs, attrs) {
      const [like, idx, updates] = inputs as [ValueInfo, ValueInfo, ValueInfo];
      const axis = normalizeAxis(attrs.axis, like.shape.length);
      const expected = [...like.shape.slice(0, axis), ...idx.shape, ...like.shape.slice(axis + 1)];
      if (updates.shape.length !== expected.length || updates.shape.some((d, i) => d !== expected[i])) {
        fail(`updates of shape ${formatShape(updates.shape)} do not match ${formatShape(expected)}`);
      }
      return [{ dtype: updates.dtype, shape: like.shape }];
    },
  },
  Where: {
    arity: [3, 3],
    infer(inputs) {
      const [c, a, b] = inputs as [ValueInfo, ValueInfo, ValueInfo];
      if (c.dtype !== 'bool') fail(`condition must be bool, got ${c.dtype}`);
      const dtype = sameDtype([a, b]);
      return [{ dtype, shape: broadcastShapes(c.shape, a.shape, b.shape) }];
    },
  },
  Greater: { arity: [2, 2], infer: compare },
  Less: { arity: [2, 2], infer: compare },
  Equal: { arity: [2, 2], infer: compare },
  Clip: {
    arity: [1, 1],
    infer(inputs, attrs) {
      if (!(attrs.min <= attrs.max)) fail(`min ${attrs.min} must not exceed max ${attrs.max}`);
      return numericUnary(inputs);
    },
  },
  TopK: {
    arity: [1, 1],
    infer(inputs, attrs) {
      const x = inputs[0]!;
      if (x.dtype === 'bool') fail('input must be numeric, got bool');
      const axis = normalizeAxis(attrs.axis, x.shape.length);
      const n = numericDim(x.shape[axis]!, 'TopK axis');
      if (!(Number.isInteger(attrs.k) && attrs.k >= 1 && attrs.k <= n)) fail(`k must be an integer in [1, ${n}] (the size of axis ${attrs.axis}), got ${attrs.k}`);
      const shape = [...x.shape];
      shape[axis] = attrs.k;
      return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape: [...shape] }];
    },
  },
  Cast: { arity: [1, 1], infer: (inputs, attrs) => [{ dtype: attrs.to, shape: inputs[0]!.shape }] },
  Expand: {
    arity: [2, 2],
    infer(inputs) {
      const [x, like] = inputs as [ValueInfo, ValueInfo];
      const shape = broadcastShapes(x.shape, like.shape);
      if (shape.length !== like.shape.length || shape.some((d, i) => d !== like.shape[i])) {
        fail(`cannot expand ${formatShape(x.shape)} to ${formatShape(like.shape)}`);
      }
      return [{ dtype: x.dtype, shape }];
    },
  },
  FillLike: { arity: [1, 1], infer: (inputs) => [inputs[0]!] },
  Conv: {
    arity: [2, 3],
    infer(inputs, attrs) {
      const [x, w] = inputs as [ValueInfo, ValueInfo];
      requireNCHW(x, 'Conv input');
      requireNCHW(w, 'Conv weight');
      requireFloat(x, 'Conv input');
      const dtype = sameDtype(inputs);
      checkWindow(attrs);
      if (x.shape[1] !== w.shape[1]) fail(`input has ${x.shape[1]} channels but weight ${formatShape(w.shape)} expects ${w.shape[1]}`);
      checkBias(inputs, w.shape[0]!);
      const kernel = [numericDim(w.shape[2]!, 'kernel'), numericDim(w.shape[3]!, 'kernel')] as [number, number];
      const [h, wOut] = spatialOut(x, kernel, attrs, attrs.dilations);
      return [{ dtype, shape: [x.shape[0]!, w.shape[0]!, h, wOut] }];
    },
  },
  ConvTranspose: {
    arity: [2, 3],
    infer(inputs, attrs) {
      const [x, w] = inputs as [ValueInfo, ValueInfo];
      requireNCHW(x, 'ConvTranspose input');
      requireNCHW(w, 'ConvTranspose weight');
      requireFloat(x, 'ConvTranspose input');
      const dtype = sameDtype(inputs);
      checkWindow(attrs);
      if (x.shape[1] !== w.shape[0]) fail(`input has ${x.shape[1]} channels but weight ${formatShape(w.shape)} expects ${w.shape[0]}`);
      checkBias(inputs, w.shape[1]!);
      for (let i = 0; i < 2; i++) {
        const size = numericDim(x.shape[2 + i]!, 'spatial size');
        const k = numericDim(w.shape[2 + i]!, 'kernel');
        const s = attrs.strides[i]!;
        const base = s * (size - 1) + attrs.dilations[i]! * (k - 1) + 1 - attrs.pads[i]! - attrs.pads[i + 2]!;
        const out = attrs.outputSize[i]!;
        if (!(out >= base && out < base + s) || out < 1) {
          fail(`output size ${attrs.outputSize.join('x')} is not reachable from input ${formatShape(x.shape)} with kernel ${k} and stride ${s} (axis ${i}: between ${base} and ${base + s - 1})`);
        }
      }
      return [{ dtype, shape: [x.shape[0]!, w.shape[1]!, attrs.outputSize[0], attrs.outputSize[1]] }];
    },
  },
  MaxPool: {
    arity: [1, 1],
    infer(inputs, attrs) {
      const x = inputs[0]!;
      requireNCHW(x, 'MaxPool input');
      requireFloat(x, 'MaxPool input');
      checkWindow(attrs);
      for (let i = 0; i < 2; i++) {
        if (attrs.pads[i]! >= attrs.kernel[i]! || attrs.pads[i + 2]! >= attrs.kernel[i]!) fail(`pads ${attrs.pads.join(', ')} must be smaller than the kernel ${attrs.kernel.join('x')}`);
      }
      const [h, w] = spatialOut(x, attrs.kernel, attrs);
      const shape = [x.shape[0]!, x.shape[1]!, h, w];
      return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }];
    },
  },
  AveragePool: {
    arity: [1, 1],
    infer(inputs, attrs) {
      const x = inputs[0]!;
      requireNCHW(x, 'AveragePool input');
      requireFloat(x, 'AveragePool input');
      checkWindow(attrs);
      const [h, w] = spatialOut(x, attrs.kernel, attrs);
      return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, h, w] }];
    },
  },
  Upsample: {
    arity: [1, 1],
    infer(inputs, attrs) {
      const x = inputs[0]!;
      requireNCHW(x, 'Upsample input');
      if (attrs.scale.some((s) => !(Number.isInteger(s) && s >= 1))) fail(`scale must be positive integers, got ${attrs.scale.join(', ')}`);
      const h = numericDim(x.shape[2]!, 'height') * attrs.scale[0];
      const w = numericDim(x.shape[3]!, 'width') * attrs.scale[1];
      return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, h, w] }];
    },
  },
  RandomNormalLike: { arity: [1, 1], infer: floatUnary },
  RandomUniformLike: { arity: [1, 1], infer: floatUnary },
};

/**
 * Resolves a slice on one axis the way ONNX does (negative indices count from
 * the end, out-of-range values clamp). Returns [start, end, step, count].
 */
export function sliceRange(dim: Dim, start: number, end: number, step: number): [number, number, number, Dim] {
  if (!Number.isInteger(step) || step === 0) fail(`slice step must be a non-zero integer, got ${step}`);
  if (typeof dim === 'string') {
    const wholeEnd = end >= Number.MAX_SAFE_INTEGER / 2 || end === Infinity;
    return [start, end, step, start === 0 && step === 1 && wholeEnd ? dim : -1];
  }
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = clamp(s, 0, dim);
    e = clamp(e, 0, dim);
    return [s, e, step, Math.max(0, Math.ceil((e - s) / step))];
  }
  s = clamp(s, 0, dim - 1);
  e = clamp(e, -1, dim - 1);
  return [s, e, step, Math.max(0, Math.ceil((s - e) / -step))];
}

/**
 * A reshape must keep the element count. Symbolic dims may stay as they are or
 * merge with numbers into one derived symbol ('N' and 784 into 'N*784'), so a
 * batch can be flattened and restored; their base symbols must match.
 */
export function checkReshape(from: Shape, to: Shape): void {
  const describe = (s: Shape) => {
    let known = 1;
    const bases: string[] = [];
    for (const d of s) {
      const { base, factor } = splitDim(d);
      if (typeof factor !== 'number' || !Number.isInteger(factor) || factor < 1) fail(`dims must be positive integers, got ${formatShape(s)}`);
      known *= factor;
      if (base) bases.push(base);
    }
    return { known, bases: bases.sort().join(',') };
  };
  const a = describe(from);
  const b = describe(to);
  if (to.filter((d) => typeof d === 'string').length > 1) fail(`target shape ${formatShape(to)} has more than one symbolic dim`);
  if (a.bases !== b.bases) fail(`cannot reshape ${formatShape(from)} to ${formatShape(to)}: symbolic dims must be kept`);
  if (a.known !== b.known) fail(`cannot reshape ${formatShape(from)} to ${formatShape(to)}: element counts differ`);
}
