/**
 * Which nodes of aekit's graphs ONNX Runtime's WebGPU provider runs (issue 16).
 *
 *   node --import tsx bench/gpu/webgpu-ops.ts [--device webgpu|cpu] [--markdown]
 *
 * Lowers the training step, the evaluation graph and the inference part
 * ('model') of the three benchmark workloads (dense, deep, conv) and of the
 * rest of the model family, lists every ONNX node's op type with the dtype of
 * its data, and says where ONNX Runtime 1.30 places it: on the WebGPU provider,
 * or on the CPU (no WebGPU kernel for that op or dtype; ORT copies tensors
 * between the two around such nodes). `--device cpu` shows the CPU lowering
 * instead (the default is the lowering aekit uses on WebGPU).
 *
 * The support table below was written from ONNX Runtime's WebGPU sources
 * (onnxruntime/core/providers/webgpu: the kernel list in
 * webgpu_execution_provider.cc and each kernel's type constraints) and checked
 * against the kernel source files named in the strings of the 1.30 Linux
 * binary that npm ships. It is a reading, not a measurement:
 * bench/gpu/run-webgpu-check.sh records the placement ORT actually logs on a
 * GPU.
 */
import { parseArgs } from 'node:util';
import onnxProto from 'onnx-proto';
import { convBenchModel, denseBenchModel } from '../lib/workloads.js';
import { type DType } from '../../src/graph/types.js';
import { ConvAutoencoder } from '../../src/models/conv.js';
import { Autoencoder } from '../../src/models/dense.js';
import { RecurrentAutoencoder } from '../../src/models/recurrent.js';
import { VariationalAutoencoder } from '../../src/models/vae.js';
import { type ResolvedDevice } from '../../src/onnx/runtime.js';
import { Adam } from '../../src/optim/optimizers.js';
import { type TrainableModel } from '../../src/train/model.js';
import { buildPart, buildStep } from '../../src/train/step.js';

const { onnx } = onnxProto;

/** The deep workload: the quality benchmark's 784-128-64-32 model (ELU, linear code, BCE; bench/quality/protocol.ts). */
export function deepBenchModel(): Autoencoder {
  return new Autoencoder({ inputShape: [784], encoder: { sizes: [128, 64, 32], activation: 'elu', codeActivation: 'linear' }, loss: 'bce' });
}

/** The graphs looked at: the benchmark workloads first, then one model of each other kind. */
export const WEBGPU_OP_MODELS: Record<string, () => TrainableModel> = {
  dense: denseBenchModel,
  deep: deepBenchModel,
  conv: convBenchModel,
  'conv (keras-io, transposed convs, BCE)': () => new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [32, 32], activation: 'elu' }, decoder: { upsample: 'transpose' }, loss: 'bce' }),
  'conv (stride 2, latent 16)': () => new ConvAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [16, 8], downsample: 'stride' }, latentDim: 16 }),
  vae: () => new VariationalAutoencoder({ inputShape: [784], latentDim: 20, encoder: { type: 'dense', sizes: [400] } }),
  'recurrent (LSTM)': () => new RecurrentAutoencoder({ inputShape: [28, 28], encoder: { units: [32] } }),
  'recurrent (GRU)': () => new RecurrentAutoencoder({ inputShape: [28, 28], cell: 'gru', encoder: { units: [32] } }),
  denoising: () => new Autoencoder({ inputShape: [784], encoder: { sizes: [64] }, noise: { type: 'gaussian', std: 0.5, clip: true } }),
  'sparse (KL)': () => new Autoencoder({ inputShape: [784], encoder: { sizes: [64], codeActivation: 'sigmoid' }, sparsity: { type: 'kl', rho: 0.05 } }),
  contractive: () => new Autoencoder({ inputShape: [784], encoder: { sizes: [16] }, contractive: 1e-3 }),
};

type Placement = 'webgpu' | 'cpu' | 'fails';

/**
 * ONNX Runtime 1.30's WebGPU kernels for the op types aekit emits (opset 18):
 * the dtypes of their data tensors. WGSL has no 64-bit float, so no kernel
 * takes float64; int64 data only Cast and a few shape ops take (with the
 * provider's enableInt64 option). Inputs that only carry shapes, axes or pads
 * are read on the CPU by every kernel and do not count.
 */
const WEBGPU_KERNELS: Record<string, { dtypes: readonly DType[]; note?: string }> = {
  Abs: { dtypes: ['float32', 'int32'] }, Neg: { dtypes: ['float32', 'int32'] }, Sqrt: { dtypes: ['float32'] }, Exp: { dtypes: ['float32'] },
  Log: { dtypes: ['float32'] }, Sigmoid: { dtypes: ['float32'] }, Tanh: { dtypes: ['float32'] }, Relu: { dtypes: ['float32'] },
  LeakyRelu: { dtypes: ['float32'] }, Elu: { dtypes: ['float32'] }, Softplus: { dtypes: ['float32'] }, Softmax: { dtypes: ['float32'] },
  Clip: { dtypes: ['float32'] },
  Add: { dtypes: ['float32', 'int32'] }, Sub: { dtypes: ['float32', 'int32'] }, Mul: { dtypes: ['float32', 'int32'] },
  Div: { dtypes: ['float32', 'int32'] }, Pow: { dtypes: ['float32', 'int32'] },
  Equal: { dtypes: ['float32', 'int32', 'bool'] }, Greater: { dtypes: ['float32', 'int32'] }, Less: { dtypes: ['float32', 'int32'] },
  Where: { dtypes: ['float32', 'int32', 'bool'] },
  Cast: { dtypes: ['float32', 'int32', 'bool', 'int64'] },
  Gemm: { dtypes: ['float32'] }, MatMul: { dtypes: ['float32'] },
  Conv: { dtypes: ['float32'], note: 'run as NHWC (ORT transposes around it)' },
  ConvTranspose: { dtypes: ['float32'], note: 'run as NHWC' },
  MaxPool: { dtypes: ['float32'], note: 'registered with the Indices output, but its kernel fails at run time when asked for it' },
  AveragePool: { dtypes: ['float32'] },
  Resize: { dtypes: ['float32'], note: 'NCHW only' },
  ReduceSum: { dtypes: ['float32', 'int32'] }, ReduceMean: { dtypes: ['float32', 'int32'] }, ReduceMax: { dtypes: ['float32', 'int32'] },
  Reshape: { dtypes: ['float32', 'int32', 'bool', 'int64'], note: 'a view' }, Identity: { dtypes: ['float32', 'int32', 'bool'] },
  Transpose: { dtypes: ['float32', 'int32'] }, Concat: { dtypes: ['float32', 'int32'] }, Split: { dtypes: ['float32', 'int32'] },
  Slice: { dtypes: ['float32', 'int32'] }, Pad: { dtypes: ['float32', 'int32'] }, Expand: { dtypes: ['float32', 'int32', 'bool'] },
  Unsqueeze: { dtypes: ['float32', 'int32', 'bool'] }, Gather: { dtypes: ['float32', 'int32'] },
  ScatterND: { dtypes: ['float32', 'int32'] }, ScatterElements: { dtypes: ['float32', 'int32'] },
  Shape: { dtypes: ['float32', 'int32', 'bool', 'int64', 'float64'], note: 'output kept on the CPU' },
};

/** Ops aekit emits that ONNX Runtime 1.30 has no WebGPU kernel for, with what that costs. */
const NO_WEBGPU_KERNEL: Record<string, string> = {
  Sum: 'no kernel (variadic add)',
  Sign: 'no kernel',
  LogSoftmax: 'no kernel',
  ConstantOfShape: 'no kernel in the 1.30 binary (a later source has one)',
  RandomNormalLike: 'no kernel: noise is drawn on the CPU and uploaded',
  RandomUniformLike: 'no kernel: noise is drawn on the CPU and uploaded',
};

interface NodeInfo { op: string; dtype: string; outputs: number }

/** Node op types with the dtype of their data, by forward type inference over the ONNX graph. */
export function nodeTypes(bytes: Uint8Array): NodeInfo[] {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const name: Record<number, DType> = { 1: 'float32', 2: 'uint8', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'float64' };
  const types = new Map<string, DType>();
  for (const v of [...graph.input!, ...graph.output!]) types.set(v.name!, name[v.type!.tensorType!.elemType!]!);
  for (const t of graph.initializer!) types.set(t.name!, name[t.dataType!]!);
  const attr = (n: onnxProto.onnx.INodeProto, key: string) => n.attribute!.find((a) => a.name === key);
  // Inputs that carry shapes, axes, pads or sizes: read on the CPU by the WebGPU kernels.
  const dataInputs: Record<string, number> = { Reshape: 1, Expand: 1, Slice: 1, Pad: 1, ReduceSum: 1, ReduceMean: 1, ReduceMax: 1, Split: 1, Resize: 1, Unsqueeze: 1, ConstantOfShape: 0 };
  const out: NodeInfo[] = [];
  for (const n of graph.node!) {
    const ins = n.input!.filter((i) => i !== '').slice(0, dataInputs[n.opType!] ?? undefined);
    const inTypes = [...new Set(ins.map((i) => types.get(i) ?? 'float32'))];
    let outType: DType = inTypes[0] ?? 'float32';
    if (n.opType === 'Cast') outType = name[Number(attr(n, 'to')!.i)]!;
    else if (n.opType === 'Shape') outType = 'int64';
    else if (n.opType === 'ConstantOfShape') outType = name[attr(n, 'value')?.t?.dataType ?? 1]!;
    else if (['Equal', 'Greater', 'Less'].includes(n.opType!)) outType = 'bool';
    else if (n.opType === 'Where') outType = types.get(n.input![1]!) ?? 'float32';
    else if (n.opType!.startsWith('Random')) outType = name[Number(attr(n, 'dtype')?.i ?? 1)] ?? outType;
    n.output!.forEach((o, i) => types.set(o, n.opType === 'MaxPool' && i === 1 ? 'int64' : outType));
    const dtype = n.opType === 'Cast' ? `${inTypes.join('/')}→${outType}` : n.opType === 'ConstantOfShape' ? outType : inTypes.join('/') || outType;
    out.push({ op: n.opType!, dtype, outputs: n.output!.filter((o) => o !== '').length });
  }
  return out;
}

/** Where ONNX Runtime 1.30 runs a node when the WebGPU provider comes first, and why. */
export function placement(node: NodeInfo): { where: Placement; why: string } {
  const missing = NO_WEBGPU_KERNEL[node.op];
  if (missing) return { where: 'cpu', why: missing };
  const kernel = WEBGPU_KERNELS[node.op];
  if (!kernel) return { where: 'cpu', why: 'not in the table of this script: check ORT\'s WebGPU kernel list' };
  if (node.op === 'MaxPool' && node.outputs > 1) return { where: 'fails', why: 'MaxPool with its Indices output: "The Indices output is not supported yet"' };
  const dtypes = node.dtype.split(/→|\//) as DType[];
  const unsupported = dtypes.filter((d) => !kernel.dtypes.includes(d));
  if (unsupported.length) return { where: 'cpu', why: `no ${unsupported.join('/')} kernel${unsupported.includes('float64') ? ' (WGSL has no 64-bit float)' : ''}` };
  return { where: 'webgpu', why: kernel.note ?? '' };
}

interface Row { op: string; dtype: string; where: Placement; why: string; count: number; graphs: Set<string> }

/** Lowers every graph of every model for `device` and tallies the nodes by op type, dtype and placement. */
export function webGpuOpTable(device: ResolvedDevice): { rows: Row[]; graphs: { name: string; nodes: number; cpu: number; fails: number }[] } {
  const rows = new Map<string, Row>();
  const graphs: { name: string; nodes: number; cpu: number; fails: number }[] = [];
  for (const [modelName, make] of Object.entries(WEBGPU_OP_MODELS)) {
    const model = make();
    const art = buildStep(model, { optimizer: new Adam(), seed: 0, device });
    const lowered = { train: art.train.bytes, evaluate: art.evaluate.bytes, inference: buildPart(model.parts().model!, 'model', undefined, undefined, device).bytes };
    for (const [kind, bytes] of Object.entries(lowered)) {
      const nodes = nodeTypes(bytes);
      let cpu = 0;
      let fails = 0;
      for (const node of nodes) {
        const { where, why } = placement(node);
        if (where === 'cpu') cpu++;
        if (where === 'fails') fails++;
        const key = `${node.op}|${node.dtype}|${where}|${why}`;
        const row = rows.get(key) ?? { op: node.op, dtype: node.dtype, where, why, count: 0, graphs: new Set<string>() };
        row.count++;
        row.graphs.add(modelName);
        rows.set(key, row);
      }
      graphs.push({ name: `${modelName} ${kind}`, nodes: nodes.length, cpu, fails });
    }
  }
  const order: Record<Placement, number> = { fails: 0, cpu: 1, webgpu: 2 };
  return { rows: [...rows.values()].sort((a, b) => order[a.where] - order[b.where] || a.op.localeCompare(b.op) || a.dtype.localeCompare(b.dtype)), graphs };
}

function main(): void {
  const { values } = parseArgs({ options: { device: { type: 'string', default: 'webgpu' }, markdown: { type: 'boolean', default: false } } });
  if (values.device !== 'webgpu' && values.device !== 'cpu') throw new Error(`--device: expected 'webgpu' or 'cpu', got '${values.device}'`);
  const { rows, graphs } = webGpuOpTable(values.device);
  const names = Object.keys(WEBGPU_OP_MODELS);
  const models = (r: Row) => (r.graphs.size === names.length ? 'all' : names.filter((n) => r.graphs.has(n)).map((n) => n.split(' ')[0]).filter((n, i, a) => a.indexOf(n) === i).join(', '));
  const where = { webgpu: 'WebGPU', cpu: 'CPU', fails: 'fails' };
  if (values.markdown) {
    console.log(`| op | dtype | nodes | models | runs on | why |\n| --- | --- | --- | --- | --- | --- |`);
    for (const r of rows) console.log(`| ${r.op} | ${r.dtype} | ${r.count} | ${models(r)} | ${where[r.where]} | ${r.why} |`);
    console.log(`\n| graph (${values.device} lowering) | nodes | on the CPU | failing |\n| --- | --- | --- | --- |`);
    for (const g of graphs) console.log(`| ${g.name} | ${g.nodes} | ${g.cpu} | ${g.fails} |`);
    return;
  }
  console.log(`ONNX nodes of aekit's graphs (${values.device} lowering) and where ONNX Runtime 1.30 runs them with the WebGPU provider first:\n`);
  for (const r of rows) console.log(`${r.op.padEnd(18)} ${r.dtype.padEnd(16)} ${String(r.count).padStart(5)}  ${where[r.where].padEnd(6)}  ${r.why}${r.why ? '; ' : ''}${models(r)}`);
  console.log('\nper graph: nodes, on the CPU, failing');
  for (const g of graphs) console.log(`  ${g.name.padEnd(48)} ${String(g.nodes).padStart(5)} ${String(g.cpu).padStart(5)} ${String(g.fails).padStart(3)}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) main();
