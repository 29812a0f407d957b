/**
 * An independent reference implementation of the forward semantics of every
 * deterministic IR op, in plain float64 loops, used to check what ONNX Runtime
 * computes. It deliberately shares no code with the graph builder or the ONNX
 * lowering: semantics follow ONNX opset 18 directly (numpy broadcasting, NCHW
 * convolution and pooling, ONNX Slice clamping rules).
 */
import type { OpAttrs, OpName } from '../graph/ops.js';
import type { DType } from '../graph/types.js';
import { erf } from '../anomaly/erf.js';

/** A dense row-major tensor of float64 values with a concrete shape (`[]` for a scalar). */
export interface NDArray {
  shape: number[];
  data: Float64Array;
}

/**
 * Builds an {@link NDArray}, copying `values` (row-major).
 * @throws Error when the number of values does not match the shape.
 */
export function nd(shape: number[], values: ArrayLike<number>): NDArray {
  const n = sizeOf(shape);
  if (values.length !== n) throw new Error(`nd: shape [${shape.join(', ')}] needs ${n} values, got ${values.length}`);
  return { shape: [...shape], data: Float64Array.from(values) };
}

// ---------------------------------------------------------------- helpers

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Multi-index of a flat row-major position. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return idx;
}

/**
 * Flat position in `shape` of a multi-index of a (possibly larger) broadcast
 * shape: trailing axes align, size-1 axes of `shape` always read index 0.
 */
function broadcastIndex(idx: readonly number[], shape: readonly number[]): number {
  const offset = idx.length - shape.length;
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i]! + (shape[i] === 1 ? 0 : idx[i + offset]!);
  return flat;
}

function broadcastShape(...shapes: number[][]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim !== 1 && dim !== d) throw new Error(`cannot broadcast ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')}`);
      dim = d;
    }
    out.push(dim);
  }
  return out;
}

function axisOf(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new RangeError(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** [product of dims before axis, dim at axis, product of dims after axis]. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

/** Applies `f` elementwise over the numpy broadcast of all inputs. */
function broadcastMap(inputs: NDArray[], f: (...v: number[]) => number): NDArray[] {
  const shape = broadcastShape(...inputs.map((x) => x.shape));
  const data = new Float64Array(sizeOf(shape));
  for (let o = 0; o < data.length; o++) {
    const idx = unravel(o, shape);
    data[o] = f(...inputs.map((x) => x.data[broadcastIndex(idx, x.shape)]!));
  }
  return [{ shape, data }];
}

const unary = (f: (v: number) => number) => (inputs: NDArray[]) => broadcastMap([inputs[0]!], f);
const binary = (f: (a: number, b: number) => number) => (inputs: NDArray[]) => broadcastMap([inputs[0]!, inputs[1]!], f);

function reduce(x: NDArray, attrs: { axes: number[]; keepdims: boolean }, kind: 'sum' | 'mean' | 'max'): NDArray[] {
  const rank = x.shape.length;
  const axes = attrs.axes.length === 0 ? [...Array(rank).keys()] : attrs.axes.map((a) => axisOf(a, rank));
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const data = new Float64Array(sizeOf(kept)).fill(kind === 'max' ? -Infinity : 0);
  for (let p = 0; p < x.data.length; p++) {
    const q = broadcastIndex(unravel(p, x.shape), kept);
    data[q] = kind === 'max' ? Math.max(data[q]!, x.data[p]!) : data[q]! + x.data[p]!;
  }
  if (kind === 'mean') {
    const count = sizeOf(axes.map((a) => x.shape[a]!));
    for (let q = 0; q < data.length; q++) data[q]! /= count;
  }
  return [{ shape: attrs.keepdims ? kept : x.shape.filter((_, i) => !axes.includes(i)), data }];
}

function softmax(x: NDArray, axis: number, log: boolean): NDArray[] {
  const [outer, n, inner] = around(x.shape, axisOf(axis, x.shape.length));
  const data = new Float64Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => (o * n + j) * inner + i;
      let max = -Infinity;
      for (let j = 0; j < n; j++) max = Math.max(max, x.data[at(j)]!);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.exp(x.data[at(j)]! - max);
      for (let j = 0; j < n; j++) {
        const shifted = x.data[at(j)]! - max;
        data[at(j)] = log ? shifted - Math.log(sum) : Math.exp(shifted) / sum;
      }
    }
  }
  return [{ shape: [...x.shape], data }];
}

/**
 * One axis of an ONNX Slice: negative start/end count from the end; starts
 * clamp to [0, dim] (step > 0) or [0, dim - 1] (step < 0), ends to [0, dim]
 * or [-1, dim - 1]. Returns the first index and the element count.
 */
function sliceAxis(dim: number, start: number, end: number, step: number): [number, number] {
  if (!Number.isInteger(step) || step === 0) throw new RangeError(`slice step must be a non-zero integer, got ${step}`);
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = clamp(start, 0, dim);
    end = clamp(end, 0, dim);
    return [start, Math.max(0, Math.ceil((end - start) / step))];
  }
  start = clamp(start, 0, dim - 1);
  end = clamp(end, -1, dim - 1);
  return [start, Math.max(0, Math.ceil((start - end) / -step))];
}

function castValue(v: number, to: DType): number {
  switch (to) {
    case 'float64': return v;
    case 'float32': return Math.fround(v);
    case 'int64': return Math.trunc(v);
    case 'int32': return v | 0; // truncates toward zero (wraps out of range)
    case 'uint8': return v & 255;
    case 'bool': return v !== 0 ? 1 : 0; // NaN is true
  }
}

/** Output length of a sliding window, floor mode. */
function windowLength(size: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number): number {
  return Math.floor((size + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Flat NCHW position. */
function at4(shape: readonly number[], n: number, c: number, h: number, w: number): number {
  return ((n * shape[1]! + c) * shape[2]! + h) * shape[3]! + w;
}

function pool(x: NDArray, attrs: OpAttrs['AveragePool'] | OpAttrs['MaxPool'], kind: 'max' | 'avg'): NDArray[] {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [kH, kW] = attrs.kernel;
  const [sH, sW] = attrs.strides;
  const [pT, pL, pB, pR] = attrs.pads;
  const OH = windowLength(H, kH, sH, pT, pB, 1);
  const OW = windowLength(W, kW, sW, pL, pR, 1);
  const shape = [N, C, OH, OW];
  const values = new Float64Array(sizeOf(shape));
  const indices = new Float64Array(sizeOf(shape));
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let max = -Infinity;
    let argmax = -1;
    let sum = 0;
    let count = 0;
    for (let kh = 0; kh < kH; kh++) for (let kw = 0; kw < kW; kw++) {
      const ih = oh * sH - pT + kh;
      const iw = ow * sW - pL + kw;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue; // padding: ignored by max, counted only by count-include-pad
      const p = at4(x.shape, n, c, ih, iw);
      // Strict '>' keeps the first maximum in row-major window order.
      if (x.data[p]! > max || argmax < 0) {
        max = x.data[p]!;
        argmax = p;
      }
      sum += x.data[p]!;
      count++;
    }
    const o = at4(shape, n, c, oh, ow);
    if (kind === 'max') {
      values[o] = max;
      indices[o] = argmax;
    } else {
      values[o] = sum / ((attrs as OpAttrs['AveragePool']).countIncludePad ? kH * kW : count);
    }
  }
  return kind === 'max' ? [{ shape, data: values }, { shape: [...shape], data: indices }] : [{ shape, data: values }];
}

// ---------------------------------------------------------------- ops

/** Every op of the IR except the random ones. */
export type ReferenceOpName = Exclude<OpName, 'RandomNormalLike' | 'RandomUniformLike'>;

/**
 * Forward semantics of each deterministic IR op: takes the op's inputs
 * (integers, bools and indices as plain numbers; bools as 0/1) and its
 * attributes, returns its outputs (MaxPool: `[values, flat NCHW indices]`).
 * Input shapes must be concrete. Results are float64; `Cast` rounds values to
 * what the target type can hold.
 */
export const referenceOps: { [K in ReferenceOpName]: (inputs: NDArray[], attrs: OpAttrs[K]) => NDArray[] } = {
  Identity: ([x]) => [{ shape: [...x!.shape], data: x!.data.slice() }],

  MatMul([a, b]) {
    const ra = a!.shape.length;
    const rb = b!.shape.length;
    const [M, K] = [a!.shape[ra - 2]!, a!.shape[ra - 1]!];
    const [K2, N] = [b!.shape[rb - 2]!, b!.shape[rb - 1]!];
    if (K !== K2) throw new Error(`MatMul: inner dimensions ${K} and ${K2} differ`);
    const aBatch = a!.shape.slice(0, -2);
    const bBatch = b!.shape.slice(0, -2);
    const batch = broadcastShape(aBatch, bBatch);
    const data = new Float64Array(sizeOf(batch) * M * N);
    for (let t = 0; t < sizeOf(batch); t++) {
      const idx = unravel(t, batch);
      const aOff = broadcastIndex(idx, aBatch) * M * K;
      const bOff = broadcastIndex(idx, bBatch) * K * N;
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a!.data[aOff + i * K + k]! * b!.data[bOff + k * N + j]!;
        data[(t * M + i) * N + j] = s;
      }
    }
    return [{ shape: [...batch, M, N], data }];
  },

  Gemm([a, b, c], { transA, transB, alpha }) {
    const [M, K] = transA ? [a!.shape[1]!, a!.shape[0]!] : [a!.shape[0]!, a!.shape[1]!];
    const N = transB ? b!.shape[0]! : b!.shape[1]!;
    const A = (i: number, k: number) => a!.data[transA ? k * M + i : i * K + k]!;
    const B = (k: number, j: number) => b!.data[transB ? j * K + k : k * N + j]!;
    const data = new Float64Array(M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A(i, k) * B(k, j);
      data[i * N + j] = alpha * s + (c ? c.data[broadcastIndex([i, j], c.shape)]! : 0);
    }
    return [{ shape: [M, N], data }];
  },

  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Div: binary((a, b) => a / b), // float division; integer operands are not truncated here
  Pow: binary((a, b) => Math.pow(a, b)),
  Neg: unary((v) => -v),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Sqrt: unary(Math.sqrt),
  Abs: unary(Math.abs),
  Sign: unary(Math.sign),
  Square: unary((v) => v * v),
  Relu: unary((v) => (v > 0 ? v : 0)),
  LeakyRelu: (inputs, { alpha }) => broadcastMap([inputs[0]!], (v) => (v >= 0 ? v : alpha * v)),
  Elu: (inputs, { alpha }) => broadcastMap([inputs[0]!], (v) => (v >= 0 ? v : alpha * Math.expm1(v))),
  Sigmoid: unary((v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)))),
  Tanh: unary(Math.tanh),
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|), which never overflows.
  Softplus: unary((v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))),
  Erf: unary(erf),
  Softmax: ([x], { axis }) => softmax(x!, axis, false),
  LogSoftmax: ([x], { axis }) => softmax(x!, axis, true),

  ReduceSum: ([x], attrs) => reduce(x!, attrs, 'sum'),
  ReduceMean: ([x], attrs) => reduce(x!, attrs, 'mean'),
  ReduceMax: ([x], attrs) => reduce(x!, attrs, 'max'),

  Reshape([x], { shape }) {
    // Symbolic dims ('N', 'N*784') take whatever the numeric dims leave over.
    const known = shape.filter((d): d is number => typeof d === 'number');
    const rest = x!.data.length / sizeOf(known);
    const out = shape.map((d) => (typeof d === 'number' ? d : rest));
    if (sizeOf(out) !== x!.data.length) throw new Error(`Reshape: cannot reshape [${x!.shape.join(', ')}] to [${shape.join(', ')}]`);
    return [{ shape: out, data: x!.data.slice() }];
  },

  Transpose([x], { perm }) {
    const shape = perm.map((p) => x!.shape[p]!);
    const data = new Float64Array(x!.data.length);
    const from = new Array<number>(perm.length);
    for (let o = 0; o < data.length; o++) {
      const idx = unravel(o, shape);
      perm.forEach((p, i) => (from[p] = idx[i]!));
      data[o] = x!.data[broadcastIndex(from, x!.shape)]!;
    }
    return [{ shape, data }];
  },

  Concat(inputs, { axis }) {
    const a = axisOf(axis, inputs[0]!.shape.length);
    const shape = [...inputs[0]!.shape];
    shape[a] = inputs.reduce((s, x) => s + x.shape[a]!, 0);
    const [outer] = around(shape, a);
    const data = new Float64Array(sizeOf(shape));
    let o = 0;
    for (let i = 0; i < outer; i++) {
      for (const x of inputs) {
        const block = x.data.length / outer;
        data.set(x.data.subarray(i * block, (i + 1) * block), o);
        o += block;
      }
    }
    return [{ shape, data }];
  },

  Slice([x], { starts, ends, axes, steps }) {
    const rank = x!.shape.length;
    const first = new Array<number>(rank).fill(0);
    const step = new Array<number>(rank).fill(1);
    const shape = [...x!.shape];
    axes.forEach((axis, i) => {
      const a = axisOf(axis, rank);
      [first[a], shape[a]] = sliceAxis(x!.shape[a]!, starts[i]!, ends[i]!, steps[i]!);
      step[a] = steps[i]!;
    });
    const data = new Float64Array(sizeOf(shape));
    for (let o = 0; o < data.length; o++) {
      const idx = unravel(o, shape).map((j, d) => first[d]! + j * step[d]!);
      data[o] = x!.data[broadcastIndex(idx, x!.shape)]!;
    }
    return [{ shape, data }];
  },

  Pad([x], { pads, value }) {
    const rank = x!.shape.length;
    const shape = x!.shape.map((d, i) => d + pads[i]! + pads[i + rank]!);
    const data = new Float64Array(sizeOf(shape));
    for (let o = 0; o < data.length; o++) {
      const idx = unravel(o, shape).map((j, d) => j - pads[d]!);
      const inside = idx.every((j, d) => j >= 0 && j < x!.shape[d]!);
      data[o] = inside ? x!.data[broadcastIndex(idx, x!.shape)]! : value;
    }
    return [{ shape, data }];
  },

  Gather([x, indices], { axis }) {
    const a = axisOf(axis, x!.shape.length);
    const [outer, n, inner] = around(x!.shape, a);
    const m = indices!.data.length;
    const data = new Float64Array(outer * m * inner);
    for (let o = 0; o < outer; o++) for (let j = 0; j < m; j++) {
      const k = indexAlong(indices!.data[j]!, n);
      for (let i = 0; i < inner; i++) data[(o * m + j) * inner + i] = x!.data[(o * n + k) * inner + i]!;
    }
    return [{ shape: [...x!.shape.slice(0, a), ...indices!.shape, ...x!.shape.slice(a + 1)], data }];
  },

  ScatterAddAlongAxis([like, indices, updates], { axis }) {
    const a = axisOf(axis, like!.shape.length);
    const [outer, n, inner] = around(like!.shape, a);
    const m = indices!.data.length;
    const data = new Float64Array(like!.data.length);
    for (let o = 0; o < outer; o++) for (let j = 0; j < m; j++) {
      const k = indexAlong(indices!.data[j]!, n);
      for (let i = 0; i < inner; i++) data[(o * n + k) * inner + i] += updates!.data[(o * m + j) * inner + i]!;
    }
    return [{ shape: [...like!.shape], data }];
  },

  Where: ([c, a, b]) => broadcastMap([c!, a!, b!], (cond, x, y) => (cond !== 0 ? x : y)),
  Greater: binary((a, b) => (a > b ? 1 : 0)),
  Less: binary((a, b) => (a < b ? 1 : 0)),
  Equal: binary((a, b) => (a === b ? 1 : 0)),
  Clip: ([x], { min, max }) => broadcastMap([x!], (v) => Math.min(Math.max(v, min), max)),
  TopK([x], { k, axis, largest }) {
    const a = axisOf(axis, x!.shape.length);
    const [outer, n, inner] = around(x!.shape, a);
    const shape = [...x!.shape];
    shape[a] = k;
    const values = new Float64Array(outer * k * inner);
    const indices = new Float64Array(outer * k * inner);
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      const at = (j: number) => x!.data[(o * n + j) * inner + i]!;
      // Largest (or smallest) first; equal values keep the lower index first.
      const order = Array.from({ length: n }, (_, j) => j).sort((p, q) => (largest ? at(q) - at(p) : at(p) - at(q)) || p - q);
      for (let j = 0; j < k; j++) {
        values[(o * k + j) * inner + i] = at(order[j]!);
        indices[(o * k + j) * inner + i] = order[j]!;
      }
    }
    return [{ shape, data: values }, { shape: [...shape], data: indices }];
  },
  Cast: ([x], { to }) => broadcastMap([x!], (v) => castValue(v, to)),

  Expand([x, like]) {
    const shape = broadcastShape(x!.shape, like!.shape);
    const data = new Float64Array(sizeOf(shape));
    for (let o = 0; o < data.length; o++) data[o] = x!.data[broadcastIndex(unravel(o, shape), x!.shape)]!;
    return [{ shape, data }];
  },

  FillLike: ([x], { value }) => [{ shape: [...x!.shape], data: new Float64Array(x!.data.length).fill(value) }],

  Conv([x, w, bias], { strides: [sH, sW], pads: [pT, pL, pB, pR], dilations: [dH, dW] }) {
    const [N, C, H, W] = x!.shape as [number, number, number, number];
    const [M, , kH, kW] = w!.shape as [number, number, number, number];
    const OH = windowLength(H, kH, sH, pT, pB, dH);
    const OW = windowLength(W, kW, sW, pL, pR, dW);
    const shape = [N, M, OH, OW];
    const data = new Float64Array(sizeOf(shape));
    for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
      let s = bias ? bias.data[m]! : 0;
      for (let c = 0; c < C; c++) for (let kh = 0; kh < kH; kh++) for (let kw = 0; kw < kW; kw++) {
        const ih = oh * sH - pT + kh * dH;
        const iw = ow * sW - pL + kw * dW;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
        s += x!.data[at4(x!.shape, n, c, ih, iw)]! * w!.data[at4(w!.shape, m, c, kh, kw)]!;
      }
      data[at4(shape, n, m, oh, ow)] = s;
    }
    return [{ shape, data }];
  },

  ConvTranspose([x, w, bias], { strides: [sH, sW], pads: [pT, pL], dilations: [dH, dW], outputSize: [OH, OW] }) {
    // Each input pixel scatters its kernel-weighted value to oh = ih*stride - padTop + kh*dilation;
    // what lands outside [0, outputSize) is cropped (pads), rows past the full size stay zero (output_padding).
    const [N, Ci, H, W] = x!.shape as [number, number, number, number];
    const [, Co, kH, kW] = w!.shape as [number, number, number, number];
    const shape = [N, Co, OH, OW];
    const data = new Float64Array(sizeOf(shape));
    if (bias) for (let p = 0; p < data.length; p++) data[p] = bias.data[unravel(p, shape)[1]!]!;
    for (let n = 0; n < N; n++) for (let ci = 0; ci < Ci; ci++) for (let ih = 0; ih < H; ih++) for (let iw = 0; iw < W; iw++) {
      const v = x!.data[at4(x!.shape, n, ci, ih, iw)]!;
      for (let co = 0; co < Co; co++) for (let kh = 0; kh < kH; kh++) for (let kw = 0; kw < kW; kw++) {
        const oh = ih * sH - pT + kh * dH;
        const ow = iw * sW - pL + kw * dW;
        if (oh < 0 || oh >= OH || ow < 0 || ow >= OW) continue;
        data[at4(shape, n, co, oh, ow)] += v * w!.data[at4(w!.shape, ci, co, kh, kw)]!;
      }
    }
    return [{ shape, data }];
  },

  MaxPool: ([x], attrs) => pool(x!, attrs, 'max'),
  AveragePool: ([x], attrs) => pool(x!, attrs, 'avg'),

  Upsample([x], { scale: [s0, s1] }) {
    const [N, C, H, W] = x!.shape as [number, number, number, number];
    const shape = [N, C, H * s0, W * s1];
    const data = new Float64Array(sizeOf(shape));
    for (let o = 0; o < data.length; o++) {
      const [n, c, h, w] = unravel(o, shape) as [number, number, number, number];
      data[o] = x!.data[at4(x!.shape, n, c, Math.floor(h / s0), Math.floor(w / s1))]!;
    }
    return [{ shape, data }];
  },
};

/** A Gather/Scatter index, negative counting from the end. */
function indexAlong(index: number, n: number): number {
  const k = index < 0 ? index + n : index;
  if (!Number.isInteger(k) || k < 0 || k >= n) throw new RangeError(`index ${index} out of range for a dimension of ${n}`);
  return k;
}
