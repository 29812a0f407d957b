import { type Graph, type Node, type Value } from '../graph/graph.js';
import { GraphBuildError, type OpAttrs, type OpName, normalizeAxis, reduceAxes, sliceRange } from '../graph/ops.js';
import { type Dim, type Shape, isFloat, tensor } from '../graph/types.js';

/** What a VJP rule sees: the node, the gradients of its outputs, and which inputs need one. */
export interface VjpContext<K extends OpName> {
  readonly g: Graph;
  readonly node: Node<K>;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly attrs: OpAttrs[K];
  /** Gradient of output 0 (zeros when only other outputs carry gradient). */
  readonly dy: Value;
  /** needs[i]: input i lies on a path from a differentiated variable; skip the others. */
  readonly needs: readonly boolean[];
}

/** Returns the gradient for each input, or undefined where none is needed or defined. */
export type VjpRule<K extends OpName> = (ctx: VjpContext<K>) => readonly (Value | undefined)[];

/** Marks an op whose outputs carry no gradient to its inputs (comparisons, random draws). */
export interface NotDifferentiable {
  readonly notDifferentiable: string;
}

const nd = (why: string): NotDifferentiable => ({ notDifferentiable: why });

/**
 * Sums a broadcast gradient back to an operand's shape: leading axes the
 * operand lacks are summed away, axes where it has size 1 are summed with
 * keepdims.
 */
export function sumToShape(g: Graph, dx: Value, shape: Shape): Value {
  if (dx.shape.length === shape.length && dx.shape.every((d, i) => d === shape[i])) return dx;
  const lead = dx.rank - shape.length;
  const ones: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1 && dx.shape[lead + i] !== 1) ones.push(lead + i);
  });
  let out = dx;
  if (ones.length) out = g.reduceSum(out, ones, true);
  if (lead > 0) out = g.reduceSum(out, [...Array(lead).keys()], false);
  return out;
}

/** dy of a reduction re-shaped so that it broadcasts against the reduction's input. */
function keepdimsShape(g: Graph, dy: Value, x: Value, rawAxes: number[], keepdims: boolean): Value {
  if (keepdims) return dy;
  const axes = reduceAxes(rawAxes, x.rank);
  return g.reshape(dy, x.shape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

function transposeLast2(g: Graph, v: Value): Value {
  const perm = [...Array(v.rank).keys()];
  [perm[v.rank - 1], perm[v.rank - 2]] = [perm[v.rank - 2]!, perm[v.rank - 1]!];
  return g.transpose(v, perm);
}

const NCHW_SWAP = [1, 0, 2, 3];

/**
 * The smaller tensor that `v` is an Expand of, if it is one; else undefined.
 * An elementwise product with a full-size operand can take it instead of `v`
 * (broadcasting gives the same shape and values) and save the Expand's pass.
 */
function broadcastSource(v: Value): Value | undefined {
  return v.producer?.op === 'Expand' ? v.producer.inputs[0] : undefined;
}

type ConvGeometry = { strides: [number, number]; pads: [number, number, number, number]; dilations: [number, number] };

/**
 * Patches of every channel: [N, C, H, W] → [N, C·kH·kW, Ho·Wo], row c·kH·kW + i·kW + j
 * holding x at kernel cell (i, j) of each output position (zero where it falls in
 * the padding). Built by one Conv of the channels, taken as single-channel images,
 * with a one-hot kernel per cell; `flip` puts cell (i, j) at (kH−1−i, kW−1−j).
 * Measured 20% faster than pad + kH·kW Slices + Concat (docs/performance.md).
 */
function patches(g: Graph, x: Value, kernel: [number, number], geo: ConvGeometry, flip = false): Value {
  const [n, c] = x.shape as [Dim, number];
  const [kh, kw] = kernel;
  const cells = kh * kw;
  const dtype = floatOf(x);
  const eye = new Float64Array(cells * cells);
  for (let k = 0; k < cells; k++) eye[k * cells + (flip ? cells - 1 - k : k)] = 1;
  const images = g.reshape(x, [-1, 1, x.shape[2]!, x.shape[3]!]);
  const cols = g.apply('Conv', [images, g.constant(tensor(dtype, [cells, 1, kh, kw], eye))], geo)[0]!; // [N·C, kH·kW, Ho, Wo]
  return g.reshape(cols, [n, c * cells, (cols.shape[2] as number) * (cols.shape[3] as number)]);
}

/**
 * Gradient of a convolution with respect to its weight, [M, C, kH, kW], as one
 * im2col and one batched MatMul: dW = Σₙ Gₙ · Pₙᵀ with Pₙ the patches of input n
 * ([C·kH·kW, Ho·Wo]) and Gₙ its output gradient ([M, Ho·Wo]). With stride 1 and
 * fewer output than input channels, the patches are taken of the output gradient
 * instead (shifted the other way, on the input's grid): dW = Σₙ P(Gₙ) · Xₙᵀ,
 * which copies M instead of C channels kH·kW times.
 */
function convWeightGrad(g: Graph, input: Value, gradOut: Value, kernel: [number, number], attrs: ConvGeometry): Value {
  const [n, c, h, w] = input.shape as [Dim, number, number, number];
  const [, m, ho, wo] = gradOut.shape as [Dim, number, number, number];
  const cells = kernel[0] * kernel[1];
  const { strides, dilations, pads } = attrs;
  const flippedPads = [0, 1, 0, 1].map((axis, i) => dilations[axis]! * (kernel[axis]! - 1) - pads[i]!) as [number, number, number, number];
  if (m < c && strides[0] === 1 && strides[1] === 1 && flippedPads.every((p) => p >= 0)) {
    const cols = patches(g, gradOut, kernel, { strides, dilations, pads: flippedPads }, true); // [N, M·kH·kW, H·W]
    const x = g.reshape(input, [n, c, h * w]);
    const perSample = g.matmul(cols, g.transpose(x, [0, 2, 1])); // [N, M·kH·kW, C]
    const summed = g.reshape(g.reduceSum(perSample, [0]), [m, cells, c]);
    return g.reshape(g.transpose(summed, [0, 2, 1]), [m, c, kernel[0], kernel[1]]);
  }
  const cols = patches(g, input, kernel, attrs); // [N, C·kH·kW, Ho·Wo]
  const dy = g.reshape(gradOut, [n, m, ho * wo]);
  const perSample = g.matmul(dy, g.transpose(cols, [0, 2, 1])); // [N, M, C·kH·kW]
  return g.reshape(g.reduceSum(perSample, [0]), [m, c, kernel[0], kernel[1]]);
}

/**
 * Gradient of a convolution with respect to its input. With stride 1 it is a
 * plain Conv of the output gradient with the spatially flipped, channel-swapped
 * kernel (pads (k − 1)·d − p), which ONNX Runtime runs several times faster than
 * the equivalent ConvTranspose; other strides use ConvTranspose.
 */
function convInputGrad(g: Graph, dy: Value, w: Value, x: Value, attrs: OpAttrs['Conv']): Value {
  const kernel = [w.shape[2] as number, w.shape[3] as number];
  const { strides, pads, dilations } = attrs;
  const flippedPads = [0, 1, 0, 1].map((axis, i) => dilations[axis]! * (kernel[axis]! - 1) - pads[i]!) as [number, number, number, number];
  if (strides[0] !== 1 || strides[1] !== 1 || flippedPads.some((p) => p < 0)) {
    return g.apply('ConvTranspose', [dy, w], { ...attrs, outputSize: [x.shape[2] as number, x.shape[3] as number] })[0]!;
  }
  const flipped = g.slice(g.transpose(w, NCHW_SWAP), [-1, -1], [-Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER], [2, 3], [-1, -1]);
  return g.apply('Conv', [dy, flipped], { strides, dilations, pads: flippedPads })[0]!;
}

/**
 * Σ over N, H, W of an NCHW gradient: the spatial sum first (contiguous), then the
 * batch; measured about 3× faster in ONNX Runtime than one ReduceSum over [0, 2, 3].
 */
function biasGrad(g: Graph, dy: Value): Value {
  const [n, m, h, w] = dy.shape as [Dim, number, number, number];
  return g.reduceSum(g.reduceSum(g.reshape(dy, [n, m, h * w]), [2]), [0]);
}

/** Per-window count of the cells an average pool divides by, as an [Ho, Wo] constant. */
function poolDivisors(
  size: [number, number],
  out: [number, number],
  attrs: OpAttrs['AveragePool'],
): Float64Array {
  const counts = new Float64Array(out[0] * out[1]);
  for (let oh = 0; oh < out[0]; oh++) {
    for (let ow = 0; ow < out[1]; ow++) {
      if (attrs.countIncludePad) {
        counts[oh * out[1] + ow] = attrs.kernel[0] * attrs.kernel[1];
        continue;
      }
      const h0 = oh * attrs.strides[0] - attrs.pads[0];
      const w0 = ow * attrs.strides[1] - attrs.pads[1];
      const hs = Math.min(h0 + attrs.kernel[0], size[0]) - Math.max(h0, 0);
      const ws = Math.min(w0 + attrs.kernel[1], size[1]) - Math.max(w0, 0);
      counts[oh * out[1] + ow] = hs * ws;
    }
  }
  return counts;
}

/**
 * For windows of kh × kw tiling an h × w plane: each cell's rank from the end
 * of its window in row-major order, kh·kw for the window's first cell down to
 * 1 for its last (exact in float32 for any window under 2²⁴ cells).
 */
function firstWins(h: number, w: number, kh: number, kw: number): Float64Array {
  const out = new Float64Array(h * w);
  for (let r = 0; r < h; r++) for (let q = 0; q < w; q++) out[r * w + q] = kh * kw - ((r % kh) * kw + (q % kw));
  return out;
}

const floatOf = (v: Value): 'float32' | 'float64' => (v.dtype === 'float64' ? 'float64' : 'float32');

/** Graphs whose gradients must run on ONNX Runtime's WebGPU provider (see {@link differentiateForWebGpu}). */
const webGpuGraphs = new WeakSet<Graph>();

/**
 * Marks `g` so that its gradients avoid what ONNX Runtime's WebGPU provider
 * cannot run: its MaxPool kernel fails at run time when asked for the Indices
 * output ("The Indices output is not supported yet", ORT 1.30), which the
 * general max-pool gradient scatters through. Other rules are unchanged.
 */
export function differentiateForWebGpu(g: Graph): void {
  webGpuGraphs.add(g);
}

/**
 * Max-pool gradient without MaxPool's indices, for any window geometry: the
 * kH·kW cells of every window are read by one Conv with one-hot kernels (as
 * {@link patches}), a cell that equals the window's maximum and lies inside the
 * input scores kH·kW − (its place in the window), the best score picks the
 * window's first maximum in row-major order (as the indices do), and one
 * ConvTranspose with the same one-hot kernels adds each window's gradient back
 * onto its cell, summing where windows overlap.
 */
function maxPoolGradByCells(g: Graph, x: Value, y: Value, dy: Value, attrs: OpAttrs['MaxPool']): Value {
  const [n, c, h, w] = x.shape as [Dim, Dim, number, number];
  const [ho, wo] = [y.shape[2] as number, y.shape[3] as number];
  const [kh, kw] = attrs.kernel;
  const cells = kh * kw;
  const dtype = floatOf(x);
  const eye = new Float64Array(cells * cells);
  for (let k = 0; k < cells; k++) eye[k * cells + k] = 1;
  const oneHot = g.constant(tensor(dtype, [cells, 1, kh, kw], eye));
  const geo = { strides: attrs.strides, pads: attrs.pads, dilations: [1, 1] as [number, number] };
  // Padding reads as 0, which may equal a window's maximum: cells outside the input score 0.
  const score = new Float64Array(cells * ho * wo);
  for (let k = 0; k < cells; k++) {
    const [i, j] = [Math.floor(k / kw), k % kw];
    for (let r = 0; r < ho; r++) {
      for (let q = 0; q < wo; q++) {
        const [hr, wq] = [r * attrs.strides[0] - attrs.pads[0] + i, q * attrs.strides[1] - attrs.pads[1] + j];
        if (hr >= 0 && hr < h && wq >= 0 && wq < w) score[(k * ho + r) * wo + q] = cells - k;
      }
    }
  }
  const windows = g.apply('Conv', [g.reshape(x, [-1, 1, h, w]), oneHot], geo)[0]!; // [N·C, kH·kW, Ho, Wo]
  const isMax = g.cast(g.equal(windows, g.reshape(y, [-1, 1, ho, wo])), dtype);
  const scored = g.mul(isMax, g.constant(tensor(dtype, [cells, ho, wo], score)));
  const first = g.mul(g.cast(g.equal(scored, g.reduceMax(scored, [1], true)), dtype), isMax);
  const perCell = g.mul(first, g.reshape(dy, [-1, 1, ho, wo]));
  const back = g.apply('ConvTranspose', [perCell, oneHot], { ...geo, outputSize: [h, w] })[0]!; // [N·C, 1, H, W]
  return g.reshape(back, [n, c, h, w]);
}

/**
 * The vector-Jacobian product of every op, in one table. The mapped type makes
 * an op without a rule (or an explicit NotDifferentiable marker) a compile
 * error. Rules emit ordinary IR ops that themselves have rules, so gradient
 * graphs can be differentiated again (double backprop).
 *
 * Where an op is not differentiable at a point, the rule takes PyTorch
 * autograd's value there: relu′(0) = 0, |x|′(0) = sign(0) = 0,
 * leakyRelu′(0) = elu′(0) = α, clip passes the gradient at its bounds
 * (min ≤ x ≤ max), ReduceMax splits it evenly among tied maxima (as `amax`),
 * MaxPool gives it to the first maximum of its window in row-major order.
 * A composite whose true derivative is smooth must not be built from two such
 * kinks at the same point (see binaryCrossEntropyWithLogits).
 */
export const vjpRules: { [K in OpName]: VjpRule<K> | NotDifferentiable } = {
  Identity: ({ dy }) => [dy],
  MatMul: ({ g, inputs: [a, b], dy, needs }) => [
    needs[0] ? sumToShape(g, g.matmul(dy, transposeLast2(g, b!)), a!.shape) : undefined,
    needs[1] ? sumToShape(g, g.matmul(transposeLast2(g, a!), dy), b!.shape) : undefined,
  ],
  Gemm: ({ g, inputs: [a, b, c], dy, needs, attrs: { transA, transB, alpha } }) => [
    needs[0] ? (transA ? g.gemm(b!, dy, undefined, { transA: transB, transB: true, alpha }) : g.gemm(dy, b!, undefined, { transB: !transB, alpha })) : undefined,
    needs[1] ? (transB ? g.gemm(dy, a!, undefined, { transA: true, transB: transA, alpha }) : g.gemm(a!, dy, undefined, { transA: !transA, alpha })) : undefined,
    c && needs[2] ? sumToShape(g, dy, c.shape) : undefined,
  ],
  Add: ({ g, inputs: [a, b], dy }) => [sumToShape(g, dy, a!.shape), sumToShape(g, dy, b!.shape)],
  Sub: ({ g, inputs: [a, b], dy, needs }) => [sumToShape(g, dy, a!.shape), needs[1] ? sumToShape(g, g.neg(dy), b!.shape) : undefined],
  Mul: ({ g, inputs: [a, b], dy, needs }) => [
    needs[0] ? sumToShape(g, g.mul(dy, b!), a!.shape) : undefined,
    needs[1] ? sumToShape(g, g.mul(dy, a!), b!.shape) : undefined,
  ],
  Div: ({ g, inputs: [a, b], outputs: [y], dy, needs }) => [
    needs[0] ? sumToShape(g, g.div(dy, b!), a!.shape) : undefined,
    needs[1] ? sumToShape(g, g.neg(g.div(g.mul(dy, y!), b!)), b!.shape) : undefined,
  ],
  Pow: ({ g, inputs: [a, b], outputs: [y], dy, needs }) => [
    needs[0] ? sumToShape(g, g.mul(dy, g.mul(b!, g.pow(a!, g.sub(b!, 1)))), a!.shape) : undefined,
    needs[1] ? sumToShape(g, g.mul(dy, g.mul(y!, g.log(a!))), b!.shape) : undefined,
  ],
  Neg: ({ g, dy }) => [g.neg(dy)],
  Exp: ({ g, outputs: [y], dy }) => [g.mul(dy, y!)],
  Log: ({ g, inputs: [x], dy }) => [g.div(dy, x!)],
  Sqrt: ({ g, outputs: [y], dy }) => [g.div(dy, g.mul(y!, 2))],
  Abs: ({ g, inputs: [x], dy }) => [g.mul(dy, g.sign(x!))],
  Sign: nd('piecewise constant: zero gradient almost everywhere'),
  Square: ({ g, inputs: [x], dy }) => {
    // Under a mean or sum (an MSE loss) dy is a broadcast scalar: scaling the
    // scalar and multiplying once skips materializing it, one full-size pass
    // and a node fewer (dense step CPU −3 to −4%). Exact either way: ×2 rounds nothing.
    const small = broadcastSource(dy);
    return [small ? g.mul(x!, g.mul(small, 2)) : g.mul(dy, g.mul(x!, 2))];
  },
  // relu(x) > 0 exactly where x > 0. Reading the output leaves x to ONNX Runtime
  // to fuse into Conv/Gemm + Relu, and a 0/1 multiply measured faster than Where.
  Relu: ({ g, outputs: [y], dy }) => [g.mul(dy, g.cast(g.greater(y!, 0), y!.dtype))],
  LeakyRelu: ({ g, inputs: [x], dy, attrs }) => [g.where(g.greater(x!, 0), dy, g.mul(dy, attrs.alpha))],
  // With α = 1 (the default), y + 1 = eˣ ≤ 1 where x ≤ 0 and y + 1 = x + 1 ≥ 1 where x > 0, so min(y + 1, 1)
  // is the derivative with the same numbers as the select, in plain passes: ONNX Runtime's Where took 2.6 ns
  // per value on [128, 32, 28, 28], most of the conv preset's ELU backward. (y ≥ −1, hence the Clip's 0.)
  Elu: ({ g, inputs: [x], outputs: [y], dy, attrs }) => [attrs.alpha === 1
    ? g.mul(dy, g.clip(g.add(y!, 1), 0, 1))
    : g.where(g.greater(x!, 0), dy, g.mul(dy, g.add(y!, attrs.alpha)))],
  Sigmoid: ({ g, outputs: [y], dy }) => [g.mul(dy, g.mul(y!, g.sub(1, y!)))],
  Tanh: ({ g, outputs: [y], dy }) => [g.mul(dy, g.sub(1, g.square(y!)))],
  Softplus: ({ g, inputs: [x], dy }) => [g.mul(dy, g.sigmoid(x!))],
  // erf′(x) = 2/√π · e^(−x²)
  Erf: ({ g, inputs: [x], dy }) => [g.mul(dy, g.mul(g.exp(g.neg(g.square(x!))), 2 / Math.sqrt(Math.PI)))],
  Softmax: ({ g, outputs: [y], dy, attrs }) => [g.mul(y!, g.sub(dy, g.reduceSum(g.mul(dy, y!), [attrs.axis], true)))],
  LogSoftmax: ({ g, outputs: [y], dy, attrs }) => [g.sub(dy, g.mul(g.exp(y!), g.reduceSum(dy, [attrs.axis], true)))],
  ReduceSum: ({ g, inputs: [x], dy, attrs }) => [g.expand(keepdimsShape(g, dy, x!, attrs.axes, attrs.keepdims), x!)],
  ReduceMean: ({ g, inputs: [x], dy, attrs }) => {
    // Dividing the reduced gradient before spreading it gives the same numbers
    // (one division per element either way) with one full-size pass, not two.
    const axes = reduceAxes(attrs.axes, x!.rank);
    const dyKeep = keepdimsShape(g, dy, x!, attrs.axes, attrs.keepdims);
    const staticCount = axes.reduce<number>((p, a) => p * (typeof x!.shape[a] === 'number' ? (x!.shape[a] as number) : 1), 1);
    const symbolic = axes.filter((a) => typeof x!.shape[a] !== 'number');
    if (!symbolic.length) return [g.expand(g.div(dyKeep, staticCount), x!)];
    // A symbolic (batch) axis is reduced: count its length at run time on a
    // slice of x one element wide along every other axis.
    const others = [...Array(x!.rank).keys()].filter((a) => !symbolic.includes(a));
    const thin = others.length ? g.slice(x!, others.map(() => 0), others.map(() => 1), others) : x!;
    const count = g.mul(g.reduceSum(g.onesLike(thin), symbolic, true), staticCount);
    return [g.expand(g.div(dyKeep, count), x!)];
  },
  ReduceMax: ({ g, inputs: [x], outputs: [y], dy, attrs }) => {
    // Ties share the gradient equally, as PyTorch's amax does.
    const yKeep = keepdimsShape(g, y!, x!, attrs.axes, attrs.keepdims);
    const mask = g.cast(g.equal(x!, yKeep), x!.dtype);
    const share = g.div(keepdimsShape(g, dy, x!, attrs.axes, attrs.keepdims), g.reduceSum(mask, attrs.axes, true));
    return [g.mul(mask, share)];
  },
  Reshape: ({ g, inputs: [x], dy }) => [g.reshape(dy, x!.shape)],
  Transpose: ({ g, dy, attrs }) => {
    const inverse: number[] = [];
    attrs.perm.forEach((p, i) => (inverse[p] = i));
    return [g.transpose(dy, inverse)];
  },
  Concat: ({ g, inputs, dy, attrs }) => {
    const axis = normalizeAxis(attrs.axis, dy.rank);
    let offset = 0;
    return inputs.map((v) => {
      const size = v.shape[axis] as number;
      const piece = g.slice(dy, [offset], [offset + size], [axis]);
      offset += size;
      return piece;
    });
  },
  Slice: ({ g, inputs: [x], dy, attrs }) => {
    // A slice is separable by axis: undo the axes one at a time, last first.
    const axes = attrs.axes.map((a) => normalizeAxis(a, x!.rank));
    const stages: Value[] = [x!];
    for (let i = 0; i < axes.length - 1; i++) {
      stages.push(g.slice(stages[i]!, [attrs.starts[i]!], [attrs.ends[i]!], [axes[i]!], [attrs.steps[i]!]));
    }
    let grad = dy;
    for (let i = axes.length - 1; i >= 0; i--) {
      const before = stages[i]!;
      const axis = axes[i]!;
      const dim = before.shape[axis]!;
      const [start, , step, count] = sliceRange(dim, attrs.starts[i]!, attrs.ends[i]!, attrs.steps[i]!);
      if (typeof dim === 'string') continue; // whole-axis slice of a symbolic dim: nothing to undo
      if (step === 1) {
        const pads = new Array<number>(2 * x!.rank).fill(0);
        pads[axis] = start;
        pads[axis + x!.rank] = dim - start - (count as number);
        grad = g.pad(grad, pads);
      } else {
        const picked = Array.from({ length: count as number }, (_, k) => start + k * step);
        const idx = g.constant(tensor('int64', [picked.length], picked));
        grad = g.scatterAddAlongAxis(before, idx, grad, axis);
      }
    }
    return [grad];
  },
  Pad: ({ g, inputs: [x], dy, attrs }) => {
    const rank = x!.rank;
    const axes = [...Array(rank).keys()].filter((i) => attrs.pads[i] || attrs.pads[i + rank]);
    if (axes.length === 0) return [dy];
    return [g.slice(dy, axes.map((i) => attrs.pads[i]!), axes.map((i) => attrs.pads[i]! + (x!.shape[i] as number)), axes)];
  },
  Gather: ({ g, inputs: [x, idx], dy, attrs }) => [g.scatterAddAlongAxis(x!, idx!, dy, attrs.axis), undefined],
  ScatterAddAlongAxis: ({ g, inputs: [, idx], dy, attrs, needs }) => [undefined, undefined, needs[2] ? g.gather(dy, idx!, attrs.axis) : undefined],
  Where: ({ g, inputs: [c, a, b], dy, needs }) => [
    undefined,
    needs[1] ? sumToShape(g, g.where(c!, dy, 0), a!.shape) : undefined,
    needs[2] ? sumToShape(g, g.where(c!, 0, dy), b!.shape) : undefined,
  ],
  Greater: nd('comparison'),
  Less: nd('comparison'),
  Equal: nd('comparison'),
  Clip: ({ g, inputs: [x], dy, attrs }) => [g.where(g.less(x!, attrs.min), 0, g.where(g.greater(x!, attrs.max), 0, dy))],
  TopK: ({ g, inputs: [x], outputs: [, indices], dy, attrs }) => {
    if (!isFloat(x!.dtype)) return [undefined];
    // Each picked value's gradient goes back to where it was picked: a one-hot
    // of the indices along the axis ([…, k, n, …], distinct within a slice),
    // times dy, summed over the k picks. O(k·n) per slice, and only ops that
    // have rules themselves, so the gradient can be differentiated again.
    const axis = normalizeAxis(attrs.axis, x!.rank);
    const n = x!.shape[axis] as number;
    const spread = (s: Shape, inner: Dim): Dim[] => [...s.slice(0, axis + 1), inner, ...s.slice(axis + 1)];
    const positions = g.constant(tensor('int64', spread(x!.shape.map(() => 1), n) as number[], Array.from({ length: n }, (_, i) => i)));
    const oneHot = g.cast(g.equal(g.reshape(indices!, spread(indices!.shape, 1)), positions), x!.dtype);
    return [g.reduceSum(g.mul(oneHot, g.reshape(dy, spread(dy.shape, 1))), [axis])];
  },
  Cast: ({ g, inputs: [x], dy }) => [isFloat(x!.dtype) && isFloat(dy.dtype) ? g.cast(dy, x!.dtype) : undefined],
  Expand: ({ g, inputs: [x], dy }) => [sumToShape(g, dy, x!.shape), undefined],
  FillLike: nd('the output does not depend on the input values'),
  Conv: ({ g, inputs: [x, w, bias], dy, needs, attrs }) => {
    const kernel: [number, number] = [w!.shape[2] as number, w!.shape[3] as number];
    return [
      needs[0] ? convInputGrad(g, dy, w!, x!, attrs) : undefined,
      needs[1] ? convWeightGrad(g, x!, dy, kernel, attrs) : undefined,
      bias && needs[2] ? biasGrad(g, dy) : undefined,
    ];
  },
  ConvTranspose: ({ g, inputs: [x, w, bias], dy, needs, attrs }) => {
    const { strides, pads, dilations } = attrs;
    const kernel: [number, number] = [w!.shape[2] as number, w!.shape[3] as number];
    return [
      needs[0] ? g.apply('Conv', [dy, w!], { strides, pads, dilations })[0] : undefined,
      // Transposed conv's weight gradient is a conv weight gradient with input and output swapped.
      needs[1] ? convWeightGrad(g, dy, x!, kernel, attrs) : undefined,
      bias && needs[2] ? biasGrad(g, dy) : undefined,
    ];
  },
  MaxPool: ({ g, inputs: [x], outputs: [y, indices], dy, attrs }) => {
    const [h, w] = [x!.shape[2] as number, x!.shape[3] as number];
    const [kh, kw] = attrs.kernel;
    const tiled = attrs.strides[0] === kh && attrs.strides[1] === kw && attrs.pads.every((p) => p === 0) && h % kh === 0 && w % kw === 0;
    // (float32 only: ONNX Runtime's Resize has no float64 kernel.)
    if (tiled && x!.dtype === 'float32') {
      // Windows tile the input, so each cell belongs to one window. A cell gets
      // its window's gradient when it is the window's first maximum in row-major
      // order, as with the indices below (and in PyTorch), whatever the input
      // size: maxima score kh·kw − (their place in the window), other cells 0,
      // and the cell whose score equals its window's best wins. 0/1 multiplies
      // measured faster than Where here (docs/performance.md).
      const ranks = g.constant(tensor('float32', [h, w], firstWins(h, w, kh, kw)));
      const isMax = g.cast(g.equal(x!, g.upsample2d(y!, [kh, kw])), 'float32');
      const score = g.mul(isMax, ranks);
      const best = g.upsample2d(g.maxPool2d(score, { kernel: [kh, kw] }), [kh, kw]);
      return [g.mul(g.cast(g.equal(score, best), 'float32'), g.upsample2d(dy, [kh, kw]))];
    }
    if (webGpuGraphs.has(g)) return [maxPoolGradByCells(g, x!, y!, dy, attrs)];
    // Indices are flat over the whole NCHW tensor; scatter-add handles overlapping windows.
    const flat = g.scatterAddAlongAxis(g.flatten(x!, 0), g.flatten(indices!, 0), g.flatten(dy, 0), 0);
    return [g.reshape(flat, x!.shape)];
  },
  AveragePool: ({ g, inputs: [x], dy, attrs }) => {
    const [n, c, h, w] = x!.shape as [Dim, number, number, number];
    const out: [number, number] = [dy.shape[2] as number, dy.shape[3] as number];
    const dtype = floatOf(x!);
    const divisors = g.constant(tensor(dtype, out, poolDivisors([h, w], out, attrs)));
    // Each channel spreads its share over its window: one transposed conv with an all-ones kernel.
    const perChannel = g.reshape(g.div(dy, divisors), [-1, 1, out[0], out[1]]);
    const ones = g.constant(tensor(dtype, [1, 1, ...attrs.kernel], new Array(attrs.kernel[0] * attrs.kernel[1]).fill(1)));
    const spread = g.apply('ConvTranspose', [perChannel, ones], {
      strides: attrs.strides,
      pads: attrs.pads,
      dilations: [1, 1],
      outputSize: [h, w],
    })[0]!;
    return [g.reshape(spread, [n, c, h, w])];
  },
  Upsample: ({ g, inputs: [x], dy, attrs }) => {
    const [sh, sw] = attrs.scale;
    const cells = sh * sw;
    if ((cells & (cells - 1)) === 0) {
      // Block sums as an average pool times the block size: exact for power-of-two
      // blocks, and a pooling kernel instead of a 6-D ReduceSum (several times faster).
      return [g.mul(g.avgPool2d(dy, { kernel: [sh, sw] }), cells)];
    }
    const [n, c, h, w] = x!.shape as [Dim, Dim, number, number];
    const blocks = g.reshape(dy, [n, c, h, attrs.scale[0], w, attrs.scale[1]]);
    return [g.reduceSum(blocks, [3, 5])];
  },
  RandomNormalLike: nd('random draw'),
  RandomUniformLike: nd('random draw'),
};

/** True when the rule table defines a gradient for the op. */
export function isDifferentiable(op: OpName): boolean {
  return !('notDifferentiable' in vjpRules[op]);
}

export function ruleFor<K extends OpName>(op: K): VjpRule<K> {
  const rule = vjpRules[op];
  if ('notDifferentiable' in rule) throw new GraphBuildError(`${op} is not differentiable (${rule.notDifferentiable})`);
  return rule as VjpRule<K>;
}
