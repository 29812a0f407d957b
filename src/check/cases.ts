import { grad } from '../autodiff/grad.js';
import { GraphBuildContext } from '../layers/core.js';
import { Embedding } from '../layers/embedding.js';
import { GRU, LSTM } from '../layers/recurrent.js';
import { sequenceCrossEntropy } from '../losses/classification.js';
import { type Graph, MASK_NEGATIVE, type Value } from '../graph/graph.js';
import { tensor } from '../graph/types.js';
import { erf } from '../anomaly/erf.js';
import { type CheckInput, type OpCase } from './gradcheck.js';

const inp = (shape: number[], kind: CheckInput['kind'] = 'normal', extra: Partial<CheckInput> = {}): CheckInput => ({ shape, kind, ...extra });
const idx = (shape: number[], range: number): CheckInput => ({ shape, kind: 'index', indexRange: range });

function c(op: string, label: string, inputs: CheckInput[], build: (g: Graph, xs: Value[]) => Value, extra: Partial<OpCase> = {}): OpCase {
  return { op, label, inputs, build, ...extra };
}

/** Mean and standard deviation check for random draws. */
function moments(expectMean: number, expectStd: number, transform: (y: number, x: number) => number): OpCase['forwardCheck'] {
  return (y, xs) => {
    const values = Array.from(y, (v, i) => transform(v, xs[0]![i]!));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const slack = 5 / Math.sqrt(values.length);
    if (Math.abs(mean - expectMean) > slack * Math.max(expectStd, 0.1)) return `sample mean ${mean.toFixed(4)}, expected ${expectMean}`;
    if (Math.abs(std - expectStd) > slack * Math.max(expectStd, 0.1)) return `sample std ${std.toFixed(4)}, expected ${expectStd}`;
    return null;
  };
}

/** Float64 reference of the masked per-token NLL: −log softmax(z)[y] · m, logits [.., V] row-major. */
function sequenceNll(z: Float64Array, y: Float64Array, m: Float64Array, v: number): Float64Array {
  return Float64Array.from(y, (id, i) => {
    const row = z.subarray(i * v, (i + 1) * v);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((a, b) => a + Math.exp(b - max), 0));
    return (lse - row[id]!) * m[i]!;
  });
}

/**
 * Gradient-check scenarios for every primitive op of the IR and the composite
 * ops built from them. Shapes cover broadcasting, strided/padded/dilated
 * convolutions and pooling with overlapping and non-overlapping windows.
 */
export function opCases(): OpCase[] {
  return [
    c('Identity', 'copy', [inp([2, 3])], (g, [x]) => g.identity(x!)),
    // Elementwise binary, with broadcasting in both directions.
    c('Add', '[2,3] + [3]', [inp([2, 3]), inp([3])], (g, [a, b]) => g.add(a!, b!)),
    c('Add', '[2,1,3] + [4,1]', [inp([2, 1, 3]), inp([4, 1])], (g, [a, b]) => g.add(a!, b!)),
    c('Sub', '[3,1] - [1,4]', [inp([3, 1]), inp([1, 4])], (g, [a, b]) => g.sub(a!, b!)),
    c('Mul', '[2,3,4] * [3,1]', [inp([2, 3, 4]), inp([3, 1])], (g, [a, b]) => g.mul(a!, b!)),
    c('Div', '[2,3] / [2,1]', [inp([2, 3]), inp([2, 1], 'awayFromZero')], (g, [a, b]) => g.div(a!, b!)),
    c('Pow', 'positive base, both operands', [inp([2, 3], 'positive'), inp([3])], (g, [a, b]) => g.pow(a!, b!)),
    c('Pow', 'scalar exponent', [inp([4], 'positive')], (g, [a]) => g.pow(a!, 2.5)),
    // Elementwise unary.
    c('Neg', '[2,3]', [inp([2, 3])], (g, [x]) => g.neg(x!)),
    c('Exp', '[2,3]', [inp([2, 3])], (g, [x]) => g.exp(x!)),
    c('Log', '[2,3]', [inp([2, 3], 'positive')], (g, [x]) => g.log(x!)),
    c('Sqrt', '[2,3]', [inp([2, 3], 'positive')], (g, [x]) => g.sqrt(x!)),
    c('Abs', '[2,3]', [inp([2, 3], 'awayFromZero')], (g, [x]) => g.abs(x!)),
    c('Sign', 'x * sign(x)', [inp([2, 3], 'awayFromZero')], (g, [x]) => g.mul(x!, g.sign(x!)), { reference: ([x]) => x!.map(Math.abs) }),
    c('Square', '[2,3]', [inp([2, 3])], (g, [x]) => g.square(x!)),
    c('Relu', '[3,4]', [inp([3, 4], 'awayFromZero')], (g, [x]) => g.relu(x!)),
    // ONNX stores float attributes as float32: 0.25 keeps the float64 reference exact.
    c('LeakyRelu', 'alpha 0.25', [inp([3, 4], 'awayFromZero')], (g, [x]) => g.leakyRelu(x!, 0.25)),
    c('Elu', 'alpha 1.5', [inp([3, 4], 'awayFromZero')], (g, [x]) => g.elu(x!, 1.5)),
    c('Elu', 'alpha 1 (the default; its own gradient form)', [inp([3, 4], 'awayFromZero')], (g, [x]) => g.elu(x!)),
    c('Sigmoid', '[3,4]', [inp([3, 4])], (g, [x]) => g.sigmoid(x!)),
    c('Tanh', '[3,4]', [inp([3, 4])], (g, [x]) => g.tanh(x!)),
    c('Softplus', '[3,4]', [inp([3, 4])], (g, [x]) => g.softplus(x!)),
    c('Erf', '[3,4]', [inp([3, 4])], (g, [x]) => g.erf(x!)),
    c('Softmax', 'last axis', [inp([3, 5])], (g, [x]) => g.softmax(x!, -1)),
    c('Softmax', 'axis 0', [inp([3, 4])], (g, [x]) => g.softmax(x!, 0)),
    c('LogSoftmax', 'last axis', [inp([3, 5])], (g, [x]) => g.logSoftmax(x!, -1)),
    // Reductions.
    c('ReduceSum', 'axis 1, keepdims', [inp([2, 3, 4])], (g, [x]) => g.reduceSum(x!, [1], true)),
    c('ReduceSum', 'all axes', [inp([2, 3])], (g, [x]) => g.reduceSum(x!)),
    c('ReduceMean', 'axes [0,2]', [inp([2, 3, 4])], (g, [x]) => g.reduceMean(x!, [0, 2])),
    c('ReduceMean', 'symbolic batch, all axes', [inp([3, 4], 'normal', { symbolicBatch: true })], (g, [x]) => g.reduceMean(x!)),
    c('ReduceMean', 'symbolic batch, axes [0,2] of 3', [inp([3, 2, 4], 'normal', { symbolicBatch: true })], (g, [x]) => g.reduceMean(x!, [0, 2])),
    c('ReduceMax', 'axis 1', [inp([3, 4], 'distinct')], (g, [x]) => g.reduceMax(x!, [1])),
    c('ReduceMax', 'all axes, keepdims', [inp([2, 3], 'distinct')], (g, [x]) => g.reduceMax(x!, [], true)),
    // Shape ops.
    c('Reshape', '[2,6] -> [3,4]', [inp([2, 6])], (g, [x]) => g.reshape(x!, [3, 4])),
    c('Reshape', 'flatten symbolic batch', [inp([2, 3, 2], 'normal', { symbolicBatch: true })], (g, [x]) => g.reshape(g.flatten(x!, 0), ['N', 6]), { reference: ([x]) => x! }),
    c('Transpose', 'perm [2,0,1]', [inp([2, 3, 4])], (g, [x]) => g.transpose(x!, [2, 0, 1])),
    c('Concat', 'axis 1', [inp([2, 1]), inp([2, 3])], (g, [a, b]) => g.concat([a!, b!], 1)),
    c('Slice', 'step 1, two axes', [inp([4, 5])], (g, [x]) => g.slice(x!, [1, 0], [3, -1], [0, 1])),
    c('Slice', 'step 2', [inp([3, 7])], (g, [x]) => g.slice(x!, [1], [7], [1], [2])),
    c('Slice', 'negative step', [inp([5, 2])], (g, [x]) => g.slice(x!, [-1], [-6], [0], [-1])),
    c('Pad', 'asymmetric', [inp([2, 3])], (g, [x]) => g.pad(x!, [1, 0, 0, 2], 0.5)),
    c('Gather', 'axis 0, repeated indices', [inp([4, 3]), idx([5], 4)], (g, [x, i]) => g.gather(x!, i!, 0)),
    c('Gather', 'axis 1, 2-D indices', [inp([2, 4, 3]), idx([2, 2], 4)], (g, [x, i]) => g.gather(x!, i!, 1)),
    c('ScatterAddAlongAxis', 'axis 0', [inp([4, 2], 'normal', { constant: true }), idx([5], 4), inp([5, 2])], (g, [like, i, u]) => g.scatterAddAlongAxis(like!, i!, u!, 0)),
    c('ScatterAddAlongAxis', 'axis 1', [inp([2, 3], 'normal', { constant: true }), idx([4], 3), inp([2, 4])], (g, [like, i, u]) => g.scatterAddAlongAxis(like!, i!, u!, 1)),
    // Selection and comparison: comparisons have no gradient, so they are checked through Where.
    c('Where', 'broadcast branches', [inp([2, 3], 'awayFromZero', { constant: true }), inp([2, 3]), inp([3])], (g, [m, a, b]) => g.where(g.greater(m!, 0), a!, b!), {
      reference: ([m, a, b]) => a!.map((v, i) => (m![i]! > 0 ? v : b![i % 3]!)),
    }),
    c('Greater', 'max(a, b) via where', [inp([3, 4]), inp([3, 4])], (g, [a, b]) => g.where(g.greater(a!, b!), a!, b!), { reference: ([a, b]) => a!.map((v, i) => Math.max(v, b![i]!)) }),
    c('Less', 'min(a, b) via where', [inp([3, 4]), inp([3, 4])], (g, [a, b]) => g.where(g.less(a!, b!), a!, b!), { reference: ([a, b]) => a!.map((v, i) => Math.min(v, b![i]!)) }),
    c('Equal', 'where(m == 2, x, x²)', [inp([6], 'fixed', { values: [2, 1, -3, 2, 0.5, 4], constant: true }), inp([6])], (g, [m, x]) =>
      g.where(g.equal(m!, 2), x!, g.mul(x!, x!)), { reference: ([m, x]) => x!.map((v, i) => (m![i] === 2 ? v : v * v)) }),
    c('TopK', '3 largest of 6, last axis', [inp([2, 6], 'distinct')], (g, [x]) => g.topK(x!, 3).values),
    c('TopK', '2 smallest along axis 1 of 3, symbolic batch', [inp([2, 5, 3], 'distinct', { symbolicBatch: true })], (g, [x]) => g.topK(x!, 2, { axis: 1, largest: false }).values),
    c('TopK', 'indices carry no gradient', [inp([3, 4], 'distinct')], (g, [x]) => g.add(g.topK(x!, 2).values, g.cast(g.topK(x!, 2).indices, x!.dtype)), {
      reference: ([x]) => Float64Array.from({ length: 6 }, (_, t) => {
        const row = Array.from(x!.subarray(Math.floor(t / 2) * 4, Math.floor(t / 2) * 4 + 4));
        const order = row.map((_, j) => j).sort((p, q) => row[q]! - row[p]!);
        return row[order[t % 2]!]! + order[t % 2]!;
      }),
    }),
    c('Clip', '[-0.5, 0.7]', [inp([4, 4], 'distinct')], (g, [x]) => g.clip(x!, -0.45, 0.75)),
    c('Cast', 'float32 -> float64 -> float32', [inp([2, 3])], (g, [x]) => g.cast(g.mul(g.cast(x!, 'float64'), 3), 'float32'), {
      dtype: 'float32',
      reference: ([x]) => x!.map((v) => Math.fround(Math.fround(v) * 3)),
    }),
    c('Cast', 'to int64 carries no gradient', [inp([2, 3])], (g, [x]) => g.add(x!, g.cast(g.cast(x!, 'int64'), x!.dtype)), { reference: ([x]) => x!.map((v) => v + Math.trunc(v)) }),
    c('Expand', '[3,1] -> [2,3,4]', [inp([3, 1]), inp([2, 3, 4], 'normal', { constant: true })], (g, [x, like]) => g.expand(x!, like!)),
    c('FillLike', 'x * fill(x, 2)', [inp([2, 3])], (g, [x]) => g.mul(x!, g.fillLike(x!, 2)), { reference: ([x]) => x!.map((v) => 2 * v) }),
    // Linear algebra.
    c('MatMul', '2-D', [inp([3, 4]), inp([4, 2])], (g, [a, b]) => g.matmul(a!, b!)),
    c('MatMul', 'batched, broadcast batch', [inp([2, 3, 4]), inp([4, 5])], (g, [a, b]) => g.matmul(a!, b!)),
    c('MatMul', 'rank 4 vs rank 3', [inp([2, 1, 3, 4]), inp([3, 4, 2])], (g, [a, b]) => g.matmul(a!, b!)),
    ...[false, true].flatMap((transA) =>
      [false, true].map((transB) =>
        c('Gemm', `transA=${transA} transB=${transB}, bias, alpha 0.5`,
          [inp(transA ? [4, 3] : [3, 4]), inp(transB ? [2, 4] : [4, 2]), inp([2])],
          (g, [a, b, bias]) => g.gemm(a!, b!, bias, { transA, transB, alpha: 0.5 })),
      ),
    ),
    c('Gemm', 'symbolic batch dense layer', [inp([3, 4], 'normal', { symbolicBatch: true }), inp([4, 2]), inp([2])], (g, [a, b, bias]) => g.gemm(a!, b!, bias)),
    // Convolution.
    c('Conv', '3x3, pad 1, bias', [inp([2, 2, 5, 5]), inp([3, 2, 3, 3]), inp([3])], (g, [x, w, b]) => g.conv2d(x!, w!, { pads: 1, bias: b })),
    c('Conv', 'stride 2, asymmetric pads', [inp([1, 2, 6, 7]), inp([2, 2, 3, 2])], (g, [x, w]) => g.conv2d(x!, w!, { strides: 2, pads: [1, 0, 0, 1] })),
    c('Conv', 'dilation 2', [inp([1, 1, 7, 7]), inp([2, 1, 3, 3])], (g, [x, w]) => g.conv2d(x!, w!, { dilations: 2, pads: 1 })),
    c('Conv', "'same', stride 2, odd size", [inp([1, 2, 7, 5]), inp([2, 2, 3, 3])], (g, [x, w]) => g.conv2d(x!, w!, { strides: 2, pads: 'same' })),
    c('Conv', 'stride 3 leaves rows unused', [inp([1, 1, 8, 8]), inp([1, 1, 2, 2])], (g, [x, w]) => g.conv2d(x!, w!, { strides: 3 })),
    c('ConvTranspose', 'stride 2, bias', [inp([1, 2, 3, 3]), inp([2, 3, 3, 3]), inp([3])], (g, [x, w, b]) => g.convTranspose2d(x!, w!, { strides: 2, bias: b })),
    c('ConvTranspose', 'stride 2, pads 1, output padding', [inp([2, 1, 3, 4]), inp([1, 2, 3, 3])], (g, [x, w]) => g.convTranspose2d(x!, w!, { strides: 2, pads: 1, outputSize: [6, 8] })),
    c('ConvTranspose', 'dilation 2', [inp([1, 2, 3, 3]), inp([2, 1, 2, 2])], (g, [x, w]) => g.convTranspose2d(x!, w!, { dilations: 2 })),
    // Stride 2 as decoders upsample: kernels of even and odd size, pads at either end, an odd output size, a symbolic batch.
    c('ConvTranspose', "stride 2, 3x3 'same' (the conv preset's), symbolic batch", [inp([2, 3, 4, 5], 'normal', { symbolicBatch: true }), inp([3, 2, 3, 3]), inp([2])], (g, [x, w, b]) =>
      g.convTranspose2d(x!, w!, { strides: 2, pads: 'same', bias: b })),
    c('ConvTranspose', 'stride 2, 4x4 pads 1, 2x2 no pads', [inp([1, 2, 3, 4]), inp([2, 2, 4, 4]), inp([2, 3, 2, 2])], (g, [x, w, w2]) =>
      g.convTranspose2d(g.convTranspose2d(x!, w!, { strides: 2, pads: 1 }), w2!, { strides: 2 })),
    c('ConvTranspose', 'stride 2, 5x3 kernel, pads [2, 0, 1, 2], odd output', [inp([1, 2, 4, 3]), inp([2, 3, 5, 3]), inp([3])], (g, [x, w, b]) =>
      g.convTranspose2d(x!, w!, { strides: 2, pads: [2, 0, 1, 2], outputSize: [8, 5], bias: b })),
    c('MaxPool', '2x2 non-overlapping', [inp([2, 2, 4, 4], 'distinct')], (g, [x]) => g.maxPool2d(x!, { kernel: 2 })),
    c('MaxPool', '3x2 windows tiling 6x4', [inp([2, 1, 6, 4], 'distinct')], (g, [x]) => g.maxPool2d(x!, { kernel: [3, 2] })),
    c('MaxPool', '3x3 stride 2 pads 1 (overlapping)', [inp([1, 2, 5, 5], 'distinct')], (g, [x]) => g.maxPool2d(x!, { kernel: 3, strides: 2, pads: 1 })),
    c('AveragePool', '2x2 non-overlapping', [inp([2, 2, 4, 4])], (g, [x]) => g.avgPool2d(x!, { kernel: 2 })),
    c('AveragePool', '3x3 stride 2 pads 1, pads not counted', [inp([1, 2, 5, 6])], (g, [x]) => g.avgPool2d(x!, { kernel: 3, strides: 2, pads: 1 })),
    c('AveragePool', '3x3 stride 1 pads 1, pads counted', [inp([1, 1, 4, 4])], (g, [x]) => g.avgPool2d(x!, { kernel: 3, strides: 1, pads: 1, countIncludePad: true })),
    c('Upsample', '2x2', [inp([2, 2, 2, 3])], (g, [x]) => g.upsample2d(x!, 2)),
    c('Upsample', '2x3, symbolic batch', [inp([2, 1, 2, 2], 'normal', { symbolicBatch: true })], (g, [x]) => g.upsample2d(x!, [2, 3])),
    // The 1-D geometry of the Conv1D family (src/layers/conv1d.ts): convolutions on [N, C, 1, L] with
    // 1×k kernels, pooling and upsampling on a one-channel [N, 1, L, C] plane with k×1 windows.
    c('Conv', '1-D: 1x3 kernel, stride [1, 2], dilation [1, 2], causal pads', [inp([2, 3, 1, 9]), inp([2, 3, 1, 3]), inp([2])], (g, [x, w, b]) =>
      g.conv2d(x!, w!, { strides: [1, 2], dilations: [1, 2], pads: [0, 4, 0, 0], bias: b })),
    c('Conv', "1-D: 1x4 kernel, 'same'", [inp([2, 2, 1, 7]), inp([3, 2, 1, 4])], (g, [x, w]) => g.conv2d(x!, w!, { pads: 'same' })),
    c('ConvTranspose', "1-D: 1x4 kernel, stride [1, 2], 'same'", [inp([1, 2, 1, 5]), inp([2, 3, 1, 4]), inp([3])], (g, [x, w, b]) =>
      g.convTranspose2d(x!, w!, { strides: [1, 2], pads: 'same', bias: b })),
    c('MaxPool', "1-D: 2x1 windows, 'same' on odd length 7", [inp([2, 1, 7, 3], 'distinct')], (g, [x]) => g.maxPool2d(x!, { kernel: [2, 1], pads: 'same' })),
    c('MaxPool', '1-D: 2x1 windows tiling length 6', [inp([2, 1, 6, 3], 'distinct')], (g, [x]) => g.maxPool2d(x!, { kernel: [2, 1] })),
    c('AveragePool', "1-D: 3x1 stride [2, 1], 'same'", [inp([2, 1, 7, 2])], (g, [x]) => g.avgPool2d(x!, { kernel: [3, 1], strides: [2, 1], pads: 'same' })),
    c('Upsample', '1-D: 2x1', [inp([2, 1, 3, 2])], (g, [x]) => g.upsample2d(x!, [2, 1])),
    c('Upsample', '1-D: 3x1 (not a power of two)', [inp([2, 1, 3, 2])], (g, [x]) => g.upsample2d(x!, [3, 1])),
    // Random draws: fresh sessions restart the seeded generators, so the finite differences see the same noise.
    c('RandomNormalLike', 'x + 0.5 * x * noise', [inp([400])], (g, [x]) => g.add(x!, g.mul(g.mul(x!, g.randomNormalLike(x!)), 0.5)), {
      freshSessions: true,
      forwardCheck: moments(0, 1, (y, x) => (y - x) / (0.5 * x)),
    }),
    c('RandomUniformLike', 'x * uniform(0, 2)', [inp([400], 'awayFromZero')], (g, [x]) => g.mul(x!, g.randomUniformLike(x!, 0, 2)), {
      freshSessions: true,
      forwardCheck: moments(1, 2 / Math.sqrt(12), (y, x) => y / x),
    }),
    // Composites.
    c('GaussianNoise', 'stddev 0.3', [inp([400])], (g, [x]) => g.mul(g.gaussianNoise(x!, 0.3), x!), {
      freshSessions: true,
      forwardCheck: moments(0, 0.3, (y, x) => y / x - x),
    }),
    c('Dropout', 'training, rate 0.25', [inp([400])], (g, [x]) => g.dropout(x!, 0.25, true), {
      freshSessions: true,
      forwardCheck: (y, [x]) => {
        let dropped = 0;
        for (let i = 0; i < y.length; i++) {
          if (y[i] === 0) dropped += 1;
          else if (Math.abs(y[i]! - x![i]! / 0.75) > 1e-4 * Math.max(1, Math.abs(y[i]!))) return `kept element ${i} is ${y[i]}, expected ${x![i]! / 0.75}`;
        }
        const rate = dropped / y.length;
        return Math.abs(rate - 0.25) > 0.08 ? `dropped ${rate.toFixed(3)} of the elements, expected 0.25` : null;
      },
    }),
    c('Dropout', 'inference is the identity', [inp([3, 4])], (g, [x]) => g.dropout(x!, 0.5, false), { reference: ([x]) => x! }),
    c('BatchNormalization', 'training, NCHW', [inp([3, 2, 2, 2]), inp([2]), inp([2]), inp([2], 'normal', { constant: true }), inp([2], 'positive', { constant: true })], (g, [x, gamma, beta, rm, rv]) =>
      g.batchNorm(x!, { gamma: gamma!, beta: beta!, runningMean: rm!, runningVar: rv! }, { training: true }).y),
    c('BatchNormalization', 'training running mean update', [inp([4, 3]), inp([3], 'normal', { constant: true }), inp([3], 'normal', { constant: true }), inp([3]), inp([3], 'positive')], (g, [x, gamma, beta, rm, rv]) =>
      g.batchNorm(x!, { gamma: gamma!, beta: beta!, runningMean: rm!, runningVar: rv! }, { training: true, momentum: 0.8 }).runningMean!, {
      reference: ([x, , , rm], [shape]) => {
        const [n, ch] = shape as [number, number];
        return Float64Array.from({ length: ch }, (_, j) => {
          let mean = 0;
          for (let i = 0; i < n; i++) mean += x![i * ch + j]! / n;
          return 0.8 * rm![j]! + 0.2 * mean;
        });
      },
    }),
    c('BatchNormalization', 'inference, [N, C]', [inp([4, 3]), inp([3]), inp([3]), inp([3]), inp([3], 'positive')], (g, [x, gamma, beta, rm, rv]) =>
      g.batchNorm(x!, { gamma: gamma!, beta: beta!, runningMean: rm!, runningVar: rv! }, { training: false }).y, {
      reference: ([x, gamma, beta, rm, rv], [shape]) => {
        const ch = shape![1]!;
        return x!.map((v, i) => ((v - rm![i % ch]!) / Math.sqrt(rv![i % ch]! + 1e-5)) * gamma![i % ch]! + beta![i % ch]!);
      },
    }),
    // Text: the Embedding layer (Gather of 2-D ids, fed as float32 like every model input; its
    // table's gradient is the scatter-add), the masked sequence cross-entropy, masked recurrences.
    c('Embedding', 'float ids [2,3] with a repeat into a [5,4] table', [inp([2, 3], 'fixed', { values: [4, 0, 4, 2, 2, 1], constant: true })], (g, [ids]) =>
      new Embedding({ name: 'emb', inputDim: 5, outputDim: 4 }).call(new GraphBuildContext(g, true), ids!), { dtype: 'float32' }), // layer parameters are float32
    c('SequenceCrossEntropy', 'per token, masked', [inp([2, 3, 5]), inp([2, 3], 'fixed', { values: [1, 4, 0, 3, 0, 2], constant: true }), inp([2, 3], 'fixed', { values: [1, 1, 0, 1, 1, 1], constant: true })],
      (g, [z, y, m]) => sequenceCrossEntropy(z!, y!, m!).perToken, { reference: ([z, y, m]) => sequenceNll(z!, y!, m!, 5) }),
    c('SequenceCrossEntropy', 'mean over real tokens', [inp([2, 3, 4]), inp([2, 3], 'fixed', { values: [1, 3, 0, 2, 0, 0], constant: true }), inp([2, 3], 'fixed', { values: [1, 1, 1, 1, 0, 0], constant: true })],
      (g, [z, y, m]) => sequenceCrossEntropy(z!, y!, m!).mean, { reference: ([z, y, m]) => Float64Array.of(sequenceNll(z!, y!, m!, 4).reduce((a, b) => a + b, 0) / 4) }),
    ...(['GRU', 'LSTM'] as const).map((cell) =>
      c('MaskedRecurrence', `${cell}, last state with padding [2,4,3]`, [inp([2, 4, 3]), inp([2, 4], 'fixed', { values: [1, 1, 0, 0, 1, 1, 1, 0], constant: true })], (g, [x, m]) => {
        const Cell = cell === 'GRU' ? GRU : LSTM;
        return new Cell({ name: 'rnn', units: 2 }).call(new GraphBuildContext(g, true), x!, m!);
      }, { dtype: 'float32' })),
    c('GELU', 'exact (erf) form', [inp([3, 4])], (g, [x]) => g.gelu(x!), { reference: ([x]) => x!.map((v) => 0.5 * v * (1 + erf(v * Math.SQRT1_2))) }),
    c('LayerNormalization', 'last axis, gamma and beta', [inp([2, 3, 5]), inp([5]), inp([5])], (g, [x, gamma, beta]) => g.layerNorm(x!, { gamma, beta }), {
      reference: ([x, gamma, beta]) => {
        const y = new Float64Array(x!.length);
        for (let r = 0; r < x!.length / 5; r++) {
          const row = x!.subarray(r * 5, r * 5 + 5);
          const mean = row.reduce((a, b) => a + b, 0) / 5;
          const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 5;
          row.forEach((v, j) => (y[r * 5 + j] = ((v - mean) / Math.sqrt(variance + 1e-5)) * gamma![j]! + beta![j]!));
        }
        return y;
      },
    }),
    c('LayerNormalization', 'last two axes, symbolic batch', [inp([2, 3, 4], 'normal', { symbolicBatch: true })], (g, [x]) => g.layerNorm(x!, {}, { axes: 2 })),
    c('MaskedSoftmax', 'causal mask on [2,4,4]', [inp([2, 4, 4])], (g, [x]) => {
      const causal = Array.from({ length: 16 }, (_, i) => (i % 4 > Math.floor(i / 4) ? MASK_NEGATIVE : 0));
      return g.maskedSoftmax(x!, g.constant(tensor(x!.dtype, [4, 4], causal)), -1);
    }),
    c('MaskedSoftmax', 'key-padding mask fed as an input', [inp([2, 3, 4]), inp([2, 1, 4], 'fixed', { constant: true, values: [0, 0, -1e9, -1e9, 0, 0, 0, -1e9] })], (g, [x, m]) => g.maskedSoftmax(x!, m!, -1)),
    c('ScaledDotProductAttention', 'batched heads [N,h,T,d], causal', [inp([2, 2, 3, 4]), inp([2, 2, 3, 4]), inp([2, 2, 3, 2])], (g, [q, k, v]) => {
      const causal = Array.from({ length: 9 }, (_, i) => (i % 3 > Math.floor(i / 3) ? MASK_NEGATIVE : 0));
      const scores = g.mul(g.matmul(q!, g.transpose(k!, [0, 1, 3, 2])), 0.5);
      return g.matmul(g.maskedSoftmax(scores, g.constant(tensor(q!.dtype, [3, 3], causal)), -1), v!);
    }),
    // Double backprop: the contractive penalty differentiates a gradient graph.
    ...(['sigmoid', 'tanh', 'relu'] as const).map((act) =>
      c('SecondOrder', `input gradient of a dense ${act} layer`, [inp([2, 3], 'awayFromZero'), inp([3, 4]), inp([4])], (g, [x, w, b]) => {
        const pre = g.add(g.matmul(x!, w!), b!);
        const h = act === 'sigmoid' ? g.sigmoid(pre) : act === 'tanh' ? g.tanh(pre) : g.relu(pre);
        const [dx] = grad(g, g.reduceSum(g.square(h)), [x!]);
        return dx!;
      }),
    ),
  ];
}
