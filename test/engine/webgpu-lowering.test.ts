/**
 * Lowerings that differ by device (issue 16): a graph lowered for ONNX
 * Runtime's WebGPU provider must compute what the CPU lowering computes. Both
 * run here on the CPU provider; the WebGPU one must also avoid the ops that
 * provider lacks (Sum, ConstantOfShape) or cannot run (MaxPool's Indices output).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import onnxProto from 'onnx-proto';
import { differentiateForWebGpu } from '../../src/autodiff/rules.js';
import { grad } from '../../src/autodiff/grad.js';
import { convBenchModel } from '../../bench/lib/workloads.js';
import { Graph } from '../../src/graph/graph.js';
import { type TensorData, tensor } from '../../src/graph/types.js';
import { initialValues } from '../../src/layers/core.js';
import { Conv2D, Dense, Flatten, MaxPool2D, Reshape } from '../../src/layers/index.js';
import { LayerAutoencoder } from '../../src/models/layer-autoencoder.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { toOnnx } from '../../src/onnx/serialize.js';
import { Adam } from '../../src/optim/optimizers.js';
import { packTensors } from '../../src/train/loop.js';
import { type StepArtifacts, buildPart, buildStep, nextName } from '../../src/train/step.js';

const { onnx } = onnxProto;
const nodesOf = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!.node!;

/** Deterministic values in [0, 1) rounded to `levels` steps, so that windows hold tied maxima. */
function values(n: number, seed: number, levels = 0): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    out[i] = levels ? Math.floor(u * levels) / levels : u - 0.5;
  }
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    if (!(err <= worst)) worst = err;
  }
  assert.ok(worst <= tol, `${what}: largest relative difference ${worst} > ${tol}`);
}

/** dL/dx of L = Σ maxPool(x) ⊙ dy, lowered for `device`. */
async function maxPoolGrad(device: 'cpu' | 'webgpu', shape: [number, number, number, number], pool: { kernel: [number, number]; strides: [number, number]; pads: [number, number, number, number] }, x: Float32Array, dySeed: number) {
  const g = new Graph();
  if (device === 'webgpu') differentiateForWebGpu(g);
  const xv = g.input('x', shape);
  const y = g.apply('MaxPool', [xv], pool)[0]!;
  const dy = g.constant(tensor('float32', y.shape as number[], values(y.shape.reduce<number>((a, b) => a * (b as number), 1), dySeed)));
  const [dx] = grad(g, g.reduceSum(g.mul(y, dy)), [xv]);
  const lowered = toOnnx(g, { outputs: { dx: dx! }, device });
  const session = await RuntimeSession.create(lowered.bytes);
  try {
    const out = await session.run({ x: { dtype: 'float32', shape, data: x } });
    return { dx: out.dx!.data as Float32Array, nodes: nodesOf(lowered.bytes) };
  } finally {
    await session.release();
  }
}

/** One training step from the same tensors and batch; returns the loss and the updated tensors. */
async function step(art: StepArtifacts, seed: number, batch: Float32Array, sampleShape: number[]) {
  const named: Record<string, TensorData> = Object.fromEntries(initialValues(art.specs, seed));
  for (const [slot, param] of art.slots) named[slot] = { dtype: 'float32', shape: [...named[param]!.shape], data: new Float32Array(named[param]!.data.length) };
  const tensors = packTensors(named, art.packed);
  const session = await RuntimeSession.create(art.train.bytes);
  try {
    const n = batch.length / sampleShape.reduce((a, b) => a * b, 1);
    const out = await session.run({
      ...tensors,
      x: { dtype: 'float32', shape: [n, ...sampleShape], data: batch },
      lr: { dtype: 'float32', shape: [], data: new Float32Array([1e-2]) },
      step: { dtype: 'float32', shape: [], data: new Float32Array([1]) },
    });
    return { loss: Number(out.loss!.data[0]), params: out[nextName(art.packed[0]!.name)]!.data as Float32Array };
  } finally {
    await session.release();
  }
}

describe('WebGPU lowerings compute what the CPU lowerings compute', () => {
  const pools = [
    { name: '3x3 windows, stride 2, padded (overlapping)', shape: [2, 3, 9, 9] as [number, number, number, number], pool: { kernel: [3, 3] as [number, number], strides: [2, 2] as [number, number], pads: [1, 1, 1, 1] as [number, number, number, number] } },
    { name: '2x2 windows, stride 1 (overlapping)', shape: [2, 2, 6, 7] as [number, number, number, number], pool: { kernel: [2, 2] as [number, number], strides: [1, 1] as [number, number], pads: [0, 0, 0, 0] as [number, number, number, number] } },
    { name: '3x2 windows tiling a 7x5 plane unevenly', shape: [1, 2, 7, 5] as [number, number, number, number], pool: { kernel: [3, 2] as [number, number], strides: [3, 2] as [number, number], pads: [0, 0, 0, 0] as [number, number, number, number] } },
    { name: 'negative inputs next to zero padding', shape: [1, 1, 5, 5] as [number, number, number, number], pool: { kernel: [3, 3] as [number, number], strides: [2, 2] as [number, number], pads: [1, 1, 1, 1] as [number, number, number, number] }, negative: true },
  ];
  for (const { name, shape, pool, negative } of pools) {
    it(`max-pool gradient without indices: ${name}, with ties`, async () => {
      const n = shape.reduce((a, b) => a * b, 1);
      // Three levels: most windows hold several maxima, which go to the first in row-major order.
      const x = values(n, 7, 3).map((v) => (negative ? v - 1 : v));
      const cpu = await maxPoolGrad('cpu', shape, pool, x, 11);
      const webgpu = await maxPoolGrad('webgpu', shape, pool, x, 11);
      assert.ok(cpu.nodes.some((node) => node.opType === 'MaxPool' && node.output!.length === 2), 'the CPU lowering scatters through the indices');
      assert.ok(!webgpu.nodes.some((node) => node.opType === 'MaxPool' && node.output!.length > 1), 'no MaxPool Indices output on WebGPU');
      assert.ok(!webgpu.nodes.some((node) => (node.opType ?? '').startsWith('Scatter')), 'no scatter on WebGPU');
      assertClose(webgpu.dx, cpu.dx, 1e-6, 'dx');
    });
  }

  it('a model with an overlapping max pool trains the same step on both lowerings', async () => {
    const model = new LayerAutoencoder({
      inputShape: [1, 8, 8],
      encoder: [new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), new MaxPool2D({ poolSize: 3, strides: 2, padding: 'same' })],
      decoder: [new Flatten(), new Dense({ units: 64, activation: 'sigmoid' }), new Reshape({ targetShape: [1, 8, 8] })],
      loss: 'mse',
    });
    const batch = values(4 * 64, 3, 5);
    const cpu = await step(buildStep(model, { optimizer: new Adam(), seed: 2 }), 2, batch, [1, 8, 8]);
    const art = buildStep(model, { optimizer: new Adam(), seed: 2, device: 'webgpu' });
    assert.equal(art.device, 'webgpu');
    assert.ok(!nodesOf(art.train.bytes).some((node) => node.opType === 'MaxPool' && node.output!.length > 1));
    const webgpu = await step(art, 2, batch, [1, 8, 8]);
    assert.ok(Math.abs(webgpu.loss - cpu.loss) <= 1e-6 * Math.abs(cpu.loss), `loss ${webgpu.loss} vs ${cpu.loss}`);
    assertClose(webgpu.params, cpu.params, 1e-6, 'updated parameters');
  });

  it('the conv workload: no Sum (one-channel output conv) or ConstantOfShape (fills) on WebGPU, same step and reconstruction', async () => {
    const model = convBenchModel();
    const cpuArt = buildStep(model, { optimizer: new Adam(), seed: 1 });
    const gpuArt = buildStep(model, { optimizer: new Adam(), seed: 1, device: 'webgpu' });
    assert.ok(nodesOf(cpuArt.train.bytes).some((node) => node.opType === 'Sum'), 'the CPU lowering uses the few-output-channel Conv');
    assert.ok(!nodesOf(gpuArt.train.bytes).some((node) => node.opType === 'Sum'), 'no Sum on WebGPU');
    assert.ok(!nodesOf(gpuArt.evaluate.bytes).some((node) => node.opType === 'Sum'));
    // Fills (gradient seeds, zeros) broadcast a scalar instead of ConstantOfShape, which WebGPU lacks.
    assert.ok(nodesOf(cpuArt.train.bytes).some((node) => node.opType === 'ConstantOfShape'));
    assert.ok(!nodesOf(gpuArt.train.bytes).some((node) => node.opType === 'ConstantOfShape'), 'no ConstantOfShape on WebGPU');
    const batch = values(8 * 784, 5, 255);
    const cpu = await step(cpuArt, 1, batch, [1, 28, 28]);
    const gpu = await step(gpuArt, 1, batch, [1, 28, 28]);
    assert.ok(Math.abs(gpu.loss - cpu.loss) <= 1e-5 * Math.abs(cpu.loss), `loss ${gpu.loss} vs ${cpu.loss}`);
    assertClose(gpu.params, cpu.params, 1e-5, 'updated parameters');

    // Inference parts (predict) take the device's lowering too.
    const part = model.parts().model!;
    const weights = new Map(initialValues(cpuArt.specs, 1));
    const outputs: Float32Array[] = [];
    for (const device of ['cpu', 'webgpu'] as const) {
      const lowered = buildPart(part, 'model', weights, undefined, device);
      assert.equal(nodesOf(lowered.bytes).some((node) => node.opType === 'Sum'), device === 'cpu');
      const session = await RuntimeSession.create(lowered.bytes);
      const out = await session.run({ x: { dtype: 'float32', shape: [8, 1, 28, 28], data: batch } });
      outputs.push(Object.values(out)[0]!.data as Float32Array);
      await session.release();
    }
    assertClose(outputs[1]!, outputs[0]!, 1e-5, 'reconstruction');
  });
});
