import onnxProto from 'onnx-proto';
import { type Graph, type Node, type Value } from '../graph/graph.js';
import { GraphBuildError, type OpName, normalizeAxis, reduceAxes } from '../graph/ops.js';
import { type DType, type Dim, type TensorData, tensor } from '../graph/types.js';
import { MIN_NCHWC_BLOCK, nchwcMark, nchwcTransposedMark } from './nchwc.js';

const { onnx } = onnxProto;

/** The one ONNX opset aekit emits and tests against. */
export const OPSET = 18;
/** IR version 8 is the first that carries opset 18. */
export const IR_VERSION = 8;

const ONNX_DTYPE: Record<DType, number> = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9, float64: 11 };

type AttrValue = number | boolean | string | number[] | TensorData | { float: number };

/** Everything a lowering rule may do: emit ONNX nodes, constants and temporary names. */
class Emitter {
  /** The provider the model is lowered for (see ExportSpec.device). */
  device: 'cpu' | 'webgpu' = 'cpu';
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private constCache = new Map<string, string>();
  private tmpCount = 0;

  constructor(private readonly usedNames: Set<string>) {}

  tmp(hint: string): string {
    let name: string;
    do name = `${hint}__t${this.tmpCount++}`;
    while (this.usedNames.has(name));
    this.usedNames.add(name);
    return name;
  }

  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, docString?: string): void {
    this.nodes.push({
      opType,
      input: inputs,
      output: outputs,
      name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
      ...(docString ? { docString } : {}),
    });
  }

  /** Emits one node with a fresh output and returns the output's name. */
  call(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    const out = this.tmp(opType.toLowerCase());
    this.node(opType, inputs, [out], attrs);
    return out;
  }

  /** A shared initializer holding constant data (deduplicated by content). */
  constant(t: TensorData, hint = 'c'): string {
    const key = `${t.dtype}|${t.shape.join(',')}|${Array.from(t.data as ArrayLike<number | bigint>).join(',')}`;
    const cached = key.length < 4096 ? this.constCache.get(key) : undefined;
    if (cached) return cached;
    const name = this.tmp(hint);
    this.initializers.push(tensorProto(name, t));
    if (key.length < 4096) this.constCache.set(key, name);
    return name;
  }

  ints(values: readonly number[]): string {
    return this.constant(tensor('int64', [values.length], values), 'ints');
  }

  scalar(value: number, dtype: DType): string {
    return this.constant(tensor(dtype, [], [value]), 'scalar');
  }
}

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'boolean') return { name, type: T.INT, i: v ? 1 : 0 };
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.TENSOR, t: tensorProto('', v) };
}

/** Serializes a tensor as raw little-endian bytes. */
export function tensorProto(name: string, t: TensorData): onnxProto.onnx.ITensorProto {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { name, dims: [...t.shape], dataType: ONNX_DTYPE[t.dtype], rawData: new Uint8Array(bytes) };
}

function valueInfo(name: string, dtype: DType, shape: readonly Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[dtype],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** A static shape for Reshape/Expand inputs: the one symbolic dim becomes -1. */
function shapeConst(e: Emitter, shape: readonly Dim[]): string {
  if (shape.filter((d) => typeof d === 'string').length > 1) {
    throw new GraphBuildError(`cannot lower shape [${shape.join(', ')}]: more than one symbolic dim`);
  }
  return e.ints(shape.map((d) => (typeof d === 'number' ? d : -1)));
}

interface LowerArgs<K extends OpName> {
  e: Emitter;
  node: Node<K>;
  /** ONNX names of the node's inputs */
  ins: string[];
  /** ONNX names of the node's outputs ('' where unused) */
  outs: string[];
}

type Lowering<K extends OpName> = (a: LowerArgs<K>) => void;

const same = (opType: string): Lowering<OpName> => ({ e, ins, outs }) => e.node(opType, ins, outs);
const reduce = (opType: string): Lowering<'ReduceSum' | 'ReduceMean' | 'ReduceMax'> => ({ e, node, ins, outs }) =>
  e.node(opType, [ins[0]!, e.ints(reduceAxes(node.attrs.axes, node.inputs[0]!.rank))], outs, { keepdims: node.attrs.keepdims });
const floatAttr = (v: number) => ({ float: v });

/** Stride-1 Convs with at most this many output channels (and more input channels) take lowerFewOutputConv. */
const FEW_OUTPUT_CHANNELS = 4;

/**
 * A stride-1 Conv with few output channels (an image decoder's last layer, M = 1
 * or 3) as one pointwise Conv and shifted sums: Z = W' ⋆ X with W' the kernel as
 * [kH·kW·M, C, 1, 1] (one GEMM per image, no im2col), then
 * y = Σᵢⱼ shift_ij(pad(Z)[cell ij]) + b. ONNX Runtime's Conv builds a
 * C·kH·kW-row im2col per image and multiplies it by an M-row kernel; for M = 1
 * that measured several times slower than this.
 */
function lowerFewOutputConv(e: Emitter, x: Value, w: Value, ins: string[], out: string, attrs: { pads: number[]; dilations: number[] }): void {
  const [m, c, kh, kw] = w.shape as number[] as [number, number, number, number];
  const [h, wd] = [x.shape[2] as number, x.shape[3] as number];
  const [dh, dw] = attrs.dilations as [number, number];
  const [pt, pl, pb, pr] = attrs.pads as [number, number, number, number];
  const ho = h + pt + pb - dh * (kh - 1);
  const wo = wd + pl + pr - dw * (kw - 1);
  // [M, C, kH, kW] → [kH, kW, M, C] → [kH·kW·M, C, 1, 1]: output channel (i·kW + j)·M + o.
  const cellsFirst = e.call('Transpose', [ins[1]!], { perm: [2, 3, 0, 1] });
  const pointwise = e.call('Reshape', [cellsFirst, e.ints([kh * kw * m, c, 1, 1])]);
  const z = e.call('Conv', [ins[0]!, pointwise], { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 });
  const padded = pt || pl || pb || pr ? e.call('Pad', [z, e.ints([0, 0, pt, pl, 0, 0, pb, pr]), e.scalar(0, x.dtype)], { mode: 'constant' }) : z;
  const terms: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const ch = (i * kw + j) * m;
      terms.push(e.call('Slice', [padded, e.ints([ch, i * dh, j * dw]), e.ints([ch + m, i * dh + ho, j * dw + wo]), e.ints([1, 2, 3])]));
    }
  }
  if (ins[2]) terms.push(e.call('Reshape', [ins[2], e.ints([1, m, 1, 1])]));
  e.node('Sum', terms, [out]);
}

/** How each IR op becomes ONNX nodes; like the rule table, it must cover every op. */
const lowerings: { [K in OpName]: Lowering<K> } = {
  Identity: same('Identity'),
  MatMul: same('MatMul'),
  Gemm: ({ e, node, ins, outs }) => e.node('Gemm', ins, outs, { transA: node.attrs.transA, transB: node.attrs.transB, alpha: floatAttr(node.attrs.alpha) }),
  Add: same('Add'),
  Sub: same('Sub'),
  Mul: same('Mul'),
  Div: same('Div'),
  Pow: same('Pow'),
  Neg: same('Neg'),
  Exp: same('Exp'),
  Log: same('Log'),
  Sqrt: same('Sqrt'),
  Abs: same('Abs'),
  Sign: same('Sign'),
  Square: ({ e, ins, outs }) => e.node('Mul', [ins[0]!, ins[0]!], outs),
  Relu: same('Relu'),
  LeakyRelu: ({ e, node, ins, outs }) => e.node('LeakyRelu', ins, outs, { alpha: floatAttr(node.attrs.alpha) }),
  Elu: ({ e, node, ins, outs }) => e.node('Elu', ins, outs, { alpha: floatAttr(node.attrs.alpha) }),
  Sigmoid: same('Sigmoid'),
  Tanh: same('Tanh'),
  Softplus: same('Softplus'),
  Erf: same('Erf'),
  Softmax: ({ e, node, ins, outs }) => e.node('Softmax', ins, outs, { axis: node.attrs.axis }),
  LogSoftmax: ({ e, node, ins, outs }) => e.node('LogSoftmax', ins, outs, { axis: node.attrs.axis }),
  ReduceSum: reduce('ReduceSum'),
  ReduceMean: reduce('ReduceMean'),
  ReduceMax: reduce('ReduceMax'),
  Reshape: ({ e, node, ins, outs }) => e.node('Reshape', [ins[0]!, shapeConst(e, node.attrs.shape)], outs),
  Transpose: ({ e, node, ins, outs }) => e.node('Transpose', ins, outs, { perm: node.attrs.perm }),
  Concat: ({ e, node, ins, outs }) => e.node('Concat', ins, outs, { axis: node.attrs.axis }),
  Slice: ({ e, node, ins, outs }) => {
    const { starts, ends, axes, steps } = node.attrs;
    const big = (v: number) => Math.max(Math.min(v, Number.MAX_SAFE_INTEGER), -Number.MAX_SAFE_INTEGER);
    e.node('Slice', [ins[0]!, e.ints(starts.map(big)), e.ints(ends.map(big)), e.ints(axes), e.ints(steps)], outs);
  },
  Pad: ({ e, node, ins, outs }) =>
    e.node('Pad', [ins[0]!, e.ints(node.attrs.pads), e.scalar(node.attrs.value, node.inputs[0]!.dtype)], outs, { mode: 'constant' }),
  Gather: ({ e, node, ins, outs }) => e.node('Gather', ins, outs, { axis: node.attrs.axis }),
  ScatterAddAlongAxis: ({ e, node, ins, outs }) => {
    const [like, idx, updates] = node.inputs as [Value, Value, Value];
    const axis = normalizeAxis(node.attrs.axis, like.rank);
    const zeros = e.call('ConstantOfShape', [e.call('Shape', [ins[0]!])], { value: tensor(updates.dtype, [1], [0]) });
    let indices = ins[1]!;
    if (idx.dtype !== 'int64') indices = e.call('Cast', [indices], { to: ONNX_DTYPE.int64 });
    if (like.rank === 1 && idx.rank === 1) {
      e.node('ScatterElements', [zeros, indices, ins[2]!], outs, { axis: 0, reduction: 'add' });
      return;
    }
    // ScatterND adds along leading axes only: bring `axis` (and the index dims of updates) to the front.
    const r = idx.rank;
    const frontPerm = [axis, ...[...Array(like.rank).keys()].filter((i) => i !== axis)];
    const updPerm = [...Array(r).keys()].map((i) => axis + i);
    updPerm.push(...[...Array(axis).keys()], ...[...Array(updates.rank - axis - r).keys()].map((i) => axis + r + i));
    const zerosT = axis === 0 ? zeros : e.call('Transpose', [zeros], { perm: frontPerm });
    const updT = axis === 0 ? ins[2]! : e.call('Transpose', [ins[2]!], { perm: updPerm });
    const idxND = e.call('Unsqueeze', [indices, e.ints([-1])]);
    if (axis === 0) {
      e.node('ScatterND', [zerosT, idxND, updT], outs, { reduction: 'add' });
      return;
    }
    const scattered = e.call('ScatterND', [zerosT, idxND, updT], { reduction: 'add' });
    const back: number[] = [];
    frontPerm.forEach((p, i) => (back[p] = i));
    e.node('Transpose', [scattered], outs, { perm: back });
  },
  Where: same('Where'),
  Greater: same('Greater'),
  Less: same('Less'),
  Equal: same('Equal'),
  Clip: ({ e, node, ins, outs }) => {
    const dtype = node.inputs[0]!.dtype;
    e.node('Clip', [ins[0]!, e.scalar(node.attrs.min, dtype), e.scalar(node.attrs.max, dtype)], outs);
  },
  TopK: ({ e, node, ins, outs }) =>
    // Both outputs are required by the schema, even when the indices go unused.
    e.node('TopK', [ins[0]!, e.ints([node.attrs.k])], [outs[0]!, outs[1] || e.tmp('topk_indices')], { axis: normalizeAxis(node.attrs.axis, node.inputs[0]!.rank), largest: node.attrs.largest, sorted: true }),
  Cast: ({ e, node, ins, outs }) => e.node('Cast', ins, outs, { to: ONNX_DTYPE[node.attrs.to] }),
  Expand: ({ e, ins, outs }) => e.node('Expand', [ins[0]!, e.call('Shape', [ins[1]!])], outs),
  FillLike: ({ e, node, ins, outs }) =>
    // WebGPU has no ConstantOfShape kernel (ORT 1.30): a broadcast scalar fills on the device instead.
    e.device === 'webgpu'
      ? e.node('Expand', [e.scalar(node.attrs.value, node.inputs[0]!.dtype), e.call('Shape', [ins[0]!])], outs)
      : e.node('ConstantOfShape', [e.call('Shape', [ins[0]!])], outs, { value: tensor(node.inputs[0]!.dtype, [1], [node.attrs.value]) }),
  Conv: ({ e, node, ins, outs }) => {
    const { strides, pads, dilations } = node.attrs;
    const [x, w] = node.inputs as [Value, Value];
    const [m, c, kh, kw] = w.shape as number[] as [number, number, number, number];
    // (Not for WebGPU: its provider has no Sum kernel, and its Conv has no im2col penalty to dodge.)
    if (e.device === 'cpu' && m <= FEW_OUTPUT_CHANNELS && c > m && kh * kw > 1 && strides[0] === 1 && strides[1] === 1) {
      lowerFewOutputConv(e, x, w, ins, outs[0]!, { pads, dilations });
      return;
    }
    // Float32 convolutions with channel counts the blocked kernels can take are marked; a CPU session
    // rewrites them for its block (src/onnx/nchwc.ts).
    const blockable = e.device === 'cpu' && x.dtype === 'float32' && w.rank === 4 && m % MIN_NCHWC_BLOCK === 0;
    e.node('Conv', ins, outs, { strides, pads, dilations, group: 1 }, blockable ? nchwcMark(m, c, kh, kw) : undefined);
  },
  ConvTranspose: ({ e, node, ins, outs }) => {
    const { strides, pads, dilations, outputSize } = node.attrs;
    const [x, w] = node.inputs as [Value, Value];
    // Explicit output_padding (not output_shape, which would make ONNX ignore our pads).
    const outputPadding = [0, 1].map((i) => {
      const base = strides[i]! * ((x.shape[2 + i] as number) - 1) + dilations[i]! * ((w.shape[2 + i] as number) - 1) + 1 - pads[i]! - pads[i + 2]!;
      return outputSize[i]! - base;
    });
    // Float32 CPU transposed convolutions that could run as a blocked sub-pixel Conv are marked (src/onnx/nchwc.ts).
    const [c, m, kh, kw] = w.shape as number[] as [number, number, number, number];
    const [h, wd] = [x.shape[2], x.shape[3]];
    const blockable = e.device === 'cpu' && x.dtype === 'float32' && w.rank === 4 && typeof h === 'number' && typeof wd === 'number'
      && strides[0] === strides[1] && dilations.every((d) => d === 1) && m % MIN_NCHWC_BLOCK === 0;
    e.node('ConvTranspose', ins, outs, { strides, pads, dilations, output_padding: outputPadding, group: 1 }, blockable ? nchwcTransposedMark(c, m, kh, kw, h, wd) : undefined);
  },
  MaxPool: ({ e, node, ins, outs }) => {
    const { kernel, strides, pads } = node.attrs;
    e.node('MaxPool', ins, outs[1] ? outs : [outs[0]!], { kernel_shape: kernel, strides, pads, storage_order: 0 });
  },
  AveragePool: ({ e, node, ins, outs }) => {
    const { kernel, strides, pads, countIncludePad } = node.attrs;
    e.node('AveragePool', ins, outs, { kernel_shape: kernel, strides, pads, count_include_pad: countIncludePad });
  },
  Upsample: ({ e, node, ins, outs }) => {
    // Resize in nearest/asymmetric/floor mode repeats each pixel exactly; it measured
    // about 6x faster in ONNX Runtime than broadcasting through Reshape + Expand.
    const [sh, sw] = node.attrs.scale;
    const scales = e.constant(tensor('float32', [4], [1, 1, sh, sw]), 'scales');
    e.node('Resize', [ins[0]!, '', scales], outs, { mode: 'nearest', nearest_mode: 'floor', coordinate_transformation_mode: 'asymmetric' });
  },
  RandomNormalLike: ({ e, node, ins, outs }) =>
    e.node('RandomNormalLike', ins, outs, { dtype: ONNX_DTYPE[node.inputs[0]!.dtype], mean: floatAttr(node.attrs.mean), scale: floatAttr(node.attrs.scale), seed: floatAttr(node.attrs.seed) }),
  RandomUniformLike: ({ e, node, ins, outs }) =>
    e.node('RandomUniformLike', ins, outs, { dtype: ONNX_DTYPE[node.inputs[0]!.dtype], low: floatAttr(node.attrs.low), high: floatAttr(node.attrs.high), seed: floatAttr(node.attrs.seed) }),
};

/** What to put in an ONNX model built from a graph. */
export interface ExportSpec {
  /** Graph outputs by name. */
  outputs: Record<string, Value>;
  /** Parameters to bake in as initializers (inference exports); others stay graph inputs. */
  bake?: Map<Value, TensorData>;
  /** Model name stored in the file. */
  name?: string;
  /** Free-form metadata (string key/value) stored in the file. */
  metadata?: Record<string, string>;
  /**
   * Parameters stored back to back in one flat graph input: each member is cut
   * out of `input` (one Split, then a Reshape that ONNX Runtime runs as a view)
   * instead of being a graph input of its own. `input` must be a 1-D graph input
   * holding exactly the members' elements, in order.
   */
  packed?: { input: Value; members: Value[] }[];
  /**
   * ONNX Runtime provider the model is lowered for. Default 'cpu'; 'webgpu'
   * avoids ops that provider lacks where an equivalent formulation exists.
   */
  device?: 'cpu' | 'webgpu';
}

/** Result of lowering: the serialized model and the names it expects and returns. */
export interface LoweredModel {
  bytes: Uint8Array;
  inputs: { name: string; dtype: DType; shape: Dim[] }[];
  outputs: { name: string; dtype: DType; shape: Dim[] }[];
}

/** Element count of a value whose shape has no symbolic dims. */
function sizeOfStatic(v: Value): number {
  return v.shape.reduce<number>((n, d) => {
    if (typeof d !== 'number') throw new GraphBuildError(`'${v.name}' has a symbolic dim; only static shapes can be packed`);
    return n * d;
  }, 1);
}

/**
 * Lowers the part of `g` needed for the requested outputs to an ONNX
 * ModelProto at the pinned opset. Only inputs and parameters that the outputs
 * depend on become graph inputs.
 */
export function toOnnx(g: Graph, spec: ExportSpec): LoweredModel {
  const outputEntries = Object.entries(spec.outputs);
  if (outputEntries.length === 0) throw new GraphBuildError('an ONNX model needs at least one output');
  const declared = new Set([...g.inputs, ...g.params, ...g.constants].map((v) => v.name));
  for (const [name, v] of outputEntries) {
    if (v.graph !== g) throw new GraphBuildError(`output '${name}' belongs to another graph`);
    if (declared.has(name) && v.name !== name) throw new GraphBuildError(`output name '${name}' is already the name of a graph input, parameter or constant; choose another`);
  }
  // Walk back from the outputs to find the nodes and leaves that matter.
  const neededNodes = new Set<Node>();
  const neededLeaves = new Set<Value>();
  const stack = outputEntries.map(([, v]) => v);
  const seen = new Set<Value>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    if (v.producer) {
      if (!neededNodes.has(v.producer)) {
        neededNodes.add(v.producer);
        stack.push(...v.producer.inputs);
      }
    } else neededLeaves.add(v);
  }
  const packedMembers = new Set<Value>();
  for (const group of spec.packed ?? []) {
    if (group.input.graph !== g || g.inputs.indexOf(group.input) < 0 || group.input.rank !== 1) throw new GraphBuildError(`packed input '${group.input.name}' must be a 1-D input of this graph`);
    const total = group.members.reduce((n, m) => n + sizeOfStatic(m), 0);
    if (group.input.shape[0] !== total) throw new GraphBuildError(`packed input '${group.input.name}' has ${String(group.input.shape[0])} elements, its members hold ${total}`);
    if (!group.members.some((m) => neededLeaves.has(m))) continue;
    for (const m of group.members) {
      if (m.producer || m.graph !== g) throw new GraphBuildError(`packed member '${m.name}' must be a parameter or input of this graph`);
      packedMembers.add(m);
      neededLeaves.delete(m);
    }
    neededLeaves.add(group.input);
  }
  const consumed = new Set<Value>(outputEntries.map(([, v]) => v));
  for (const n of neededNodes) n.inputs.forEach((v) => consumed.add(v));

  const usedNames = new Set<string>([...seen].map((v) => v.name));
  // A node's output takes the graph output's name directly: an Identity would copy the tensor.
  const onnxName = new Map<Value, string>();
  for (const [name, v] of outputEntries) {
    if (name === v.name) continue;
    if (usedNames.has(name)) throw new GraphBuildError(`output name '${name}' is already the name of another value in the graph; choose another`);
    if (v.producer && !onnxName.has(v)) onnxName.set(v, name);
  }
  for (const [name] of outputEntries) usedNames.add(name);
  const nameOf = (v: Value) => onnxName.get(v) ?? v.name;
  const e = new Emitter(usedNames);
  e.device = spec.device ?? 'cpu';

  const inputs: LoweredModel['inputs'] = [];
  const initializers: onnxProto.onnx.ITensorProto[] = [];
  for (const v of [...g.inputs, ...g.params]) {
    if (!neededLeaves.has(v)) continue;
    const baked = spec.bake?.get(v);
    if (baked) initializers.push(tensorProto(v.name, baked));
    else inputs.push({ name: v.name, dtype: v.dtype, shape: [...v.shape] });
  }
  for (const v of g.constants) if (neededLeaves.has(v)) initializers.push(tensorProto(v.name, v.data!));
  // Constant Conv kernels (the one-hot patch selectors of weight gradients) are
  // declared as graph inputs too, i.e. overridable defaults that ONNX Runtime must
  // not treat as constant: otherwise its NCHWc rewrite pads their 9 outputs to a
  // 16-channel block and adds a reorder pass that costs more than the Conv itself.
  const unfolded: { name: string; dtype: DType; shape: Dim[] }[] = [];
  for (const node of g.nodes) {
    const w = node.inputs[1];
    if (node.op === 'Conv' && neededNodes.has(node) && w?.kind === 'const' && !unfolded.some((u) => u.name === w.name)) {
      unfolded.push({ name: w.name, dtype: w.dtype, shape: [...w.shape] });
    }
  }

  for (const group of spec.packed ?? []) {
    if (!neededLeaves.has(group.input) || !group.members.some((m) => packedMembers.has(m))) continue;
    // A 1-D member is its piece of the Split as it is; the others are Reshape views of theirs.
    const pieces = group.members.map((m) => (m.rank === 1 ? m.name : e.tmp(`${m.name}__flat`)));
    e.node('Split', [group.input.name, e.ints(group.members.map(sizeOfStatic))], pieces, { axis: 0 });
    group.members.forEach((m, i) => { if (m.rank !== 1) e.node('Reshape', [pieces[i]!, e.ints(m.shape as number[])], [m.name]); });
  }
  for (const node of g.nodes) {
    if (!neededNodes.has(node)) continue;
    const lower = lowerings[node.op] as Lowering<OpName>;
    // ONNX lets only trailing outputs go unnamed.
    const lastUsed = node.outputs.reduce((last, v, i) => (consumed.has(v) ? i : last), 0);
    const outs = node.outputs.map((v, i) => (i <= lastUsed ? nameOf(v) : ''));
    lower({ e, node, ins: node.inputs.map(nameOf), outs });
  }
  const outputs: LoweredModel['outputs'] = [];
  for (const [name, v] of outputEntries) {
    if (nameOf(v) !== name) e.node('Identity', [nameOf(v)], [name]);
    outputs.push({ name, dtype: v.dtype, shape: [...v.shape] });
  }
  const model: onnxProto.onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'aekit',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: OPSET }],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.name ?? 'aekit_graph',
      node: e.nodes,
      initializer: [...initializers, ...e.initializers],
      input: [...inputs, ...unfolded].map((i) => valueInfo(i.name, i.dtype, i.shape)),
      output: outputs.map((o) => valueInfo(o.name, o.dtype, o.shape)),
    },
  };
  const bytes = onnx.ModelProto.encode(model).finish();
  return { bytes, inputs, outputs };
}
