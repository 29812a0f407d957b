/**
 * The speed-motivated formulations (docs/performance.md) against references:
 * few-output Conv lowering, weight gradients from patches of the output gradient,
 * the max-pool gradient by mask, and the fused optimizer update.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCase } from '../../src/check/gradcheck.js';
import { Graph, compile, grad, tensor } from '../../src/index.js';
import { type TensorData } from '../../src/graph/types.js';
import { initialValues } from '../../src/layers/core.js';
import { RuntimeSession } from '../../src/onnx/runtime.js';
import { toOnnx } from '../../src/onnx/serialize.js';
import { AdamW, type Optimizer, RMSProp, SGD } from '../../src/optim/optimizers.js';
import { packTensors, unpackTensors } from '../../src/train/loop.js';
import { PACKED_PARAMS, buildStep, nextName, packedSlotName } from '../../src/train/step.js';
import { TinyAutoencoder, curveData } from '../train/tiny-model.js';

/** Direct NCHW convolution, stride 1: y[n,o,h,w] = b[o] + Σ x[n,c,h+i·dh−pt, w+j·dw−pl] · W[o,c,i,j]. */
function convReference(x: Float64Array, xs: number[], w: Float64Array, ws: number[], b: Float64Array | undefined, pads: number[], dil: number[]): Float64Array {
  const [n, c, h, wd] = xs as [number, number, number, number];
  const [m, , kh, kw] = ws as [number, number, number, number];
  const ho = h + pads[0]! + pads[2]! - dil[0]! * (kh - 1);
  const wo = wd + pads[1]! + pads[3]! - dil[1]! * (kw - 1);
  const y = new Float64Array(n * m * ho * wo);
  for (let s = 0; s < n; s++) for (let o = 0; o < m; o++) for (let r = 0; r < ho; r++) for (let q = 0; q < wo; q++) {
    let acc = b ? b[o]! : 0;
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const hr = r + i * dil[0]! - pads[0]!;
      const wq = q + j * dil[1]! - pads[1]!;
      if (hr < 0 || hr >= h || wq < 0 || wq >= wd) continue;
      acc += x[((s * c + ch) * h + hr) * wd + wq]! * w[((o * c + ch) * kh + i) * kw + j]!;
    }
    y[((s * m + o) * ho + r) * wo + q] = acc;
  }
  return y;
}

describe('conv fast paths', () => {
  for (const [label, m, pads, dil] of [
    ['1 output channel, asymmetric pads, dilation 1x2', 1, [1, 0, 2, 1], [1, 2]],
    ['3 output channels, same padding', 3, [1, 1, 1, 1], [1, 1]],
  ] as const) {
    it(`few-output Conv (${label}): forward matches a direct convolution, gradients match finite differences`, async () => {
      const xs = [2, 5, 6, 7];
      const ws = [m, 5, 3, 3];
      const result = await checkCase({
        op: 'Conv',
        label,
        inputs: [{ shape: xs }, { shape: ws }, { shape: [m] }],
        build: (g, [x, w, b]) => g.conv2d(x!, w!, { pads: [...pads] as [number, number, number, number], dilations: [...dil] as [number, number], bias: b }),
        reference: ([x, w, b]) => convReference(x!, xs, w!, ws, b, [...pads], [...dil]),
      });
      assert.equal(result.forward, 'ok', result.message);
      assert.equal(result.gradient, 'ok', result.message);
    });
  }

  it('lowers a few-output Conv without an ONNX Conv over the full kernel, and a many-output one with it', () => {
    const ops = (m: number) => {
      const g = new Graph();
      const x = g.input('x', ['N', 8, 5, 5]);
      const w = g.param('w', [m, 8, 3, 3]);
      const bytes = toOnnx(g, { outputs: { y: g.conv2d(x, w, { pads: 'same' }) } }).bytes;
      return new TextDecoder('latin1').decode(bytes);
    };
    assert.match(ops(1), /Sum/);
    assert.doesNotMatch(ops(8), /Sum/);
  });

  it('max-pool gradient by mask gives a tie to the first maximum in row-major order and keeps the total', async () => {
    const g = new Graph();
    const x = g.input('x', [1, 1, 2, 4]);
    const y = g.maxPool2d(x, { kernel: 2 });
    const seed = g.input('seed', [1, 1, 1, 2]);
    const [dx] = grad(g, y, [x], seed);
    const out = await compile(g, { dx: dx! }).then((c) => c.run({
      x: tensor('float32', [1, 1, 2, 4], [3, 3, 1, 7, 0, 3, 2, 5]),
      seed: tensor('float32', [1, 1, 1, 2], [1.5, 2]),
    }));
    // Window 1 holds three 3s (ties): the top-left one takes it all; window 2 one 7.
    assert.deepEqual(Array.from(out.dx!.data as Float32Array), [1.5, 0, 0, 2, 0, 0, 0, 0]);
  });

  it('max-pool gradient of float64 input still runs (scatter by indices: ONNX Runtime has no float64 Resize)', async () => {
    const g = new Graph();
    const x = g.input('x', [1, 1, 2, 4], 'float64');
    const [dx] = grad(g, g.reduceSum(g.maxPool2d(x, { kernel: 2 })), [x]);
    const out = await compile(g, { dx: dx! }).then((c) => c.run({ x: tensor('float64', [1, 1, 2, 4], [3, 2, 1, 7, 0, 3.5, 2, 5]) }));
    assert.deepEqual(Array.from(out.dx!.data as Float64Array), [0, 0, 0, 1, 0, 1, 0, 0]);
  });
});

describe('fused optimizer update on packed parameters', () => {
  const optimizers: [string, () => Optimizer][] = [
    ['AdamW', () => new AdamW({ learningRate: 0.01 })],
    ['RMSProp with momentum', () => new RMSProp({ learningRate: 0.01, momentum: 0.9 })],
    ['SGD Nesterov', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true })],
  ];
  for (const [name, make] of optimizers) {
    it(`${name}: one flat update gives bit-identical parameters and slots to per-parameter updates`, async () => {
      const model = new TinyAutoencoder();
      const fused = buildStep(model, { optimizer: make(), fuseUpdate: true });
      const apart = buildStep(model, { optimizer: make(), fuseUpdate: false });
      assert.equal(apart.packed.length, 0);
      assert.deepEqual(fused.packed.map((g) => g.name), [PACKED_PARAMS, ...make().slotNames.map(packedSlotName)]);
      // The packed graph takes the flat tensors instead of one input per parameter and slot.
      assert.ok(fused.train.inputs.length < apart.train.inputs.length - fused.params.length, `${fused.train.inputs.length} vs ${apart.train.inputs.length} inputs`);
      const tensors: Record<string, TensorData> = Object.fromEntries(initialValues(fused.specs, 3));
      for (const [slot, param] of fused.slots) {
        tensors[slot] = { dtype: 'float32', shape: [...tensors[param]!.shape], data: new Float32Array(tensors[param]!.data.length).map((_, i) => (i % 7) * 0.01) };
      }
      const data = curveData(16);
      const extra = { x: { dtype: 'float32' as const, shape: data.shape, data: data.x }, lr: tensor('float32', [], [0.01]), step: tensor('float32', [], [3]) };
      const names = [...fused.params, ...fused.slots.map(([s]) => s)];
      const shapes = new Map(names.map((n) => [n, tensors[n]!.shape] as const));
      const run = async (bytes: Uint8Array, feeds: Record<string, TensorData>, fetch: string[]) => {
        const session = await RuntimeSession.create(bytes);
        try {
          return await session.run(feeds, fetch);
        } finally {
          await session.release();
        }
      };
      const flatOut = await run(fused.train.bytes, { ...packTensors(tensors, fused.packed), ...extra }, [...fused.packed.map((g) => nextName(g.name)), 'loss', 'nonFiniteCheck']);
      const packedNext = Object.fromEntries(fused.packed.map((g) => [g.name, flatOut[nextName(g.name)]!]));
      const unpacked = unpackTensors(packedNext, fused.packed, shapes, true);
      const apartOut = await run(apart.train.bytes, { ...tensors, ...extra }, [...names.map(nextName), 'loss', 'nonFiniteCheck']);
      for (const n of names) {
        assert.deepEqual(Array.from(unpacked[n]!.data as Float32Array), Array.from(apartOut[nextName(n)]!.data as Float32Array), n);
        assert.deepEqual(unpacked[n]!.shape, apartOut[nextName(n)]!.shape, n);
      }
      for (const n of ['loss', 'nonFiniteCheck']) assert.deepEqual(Array.from(flatOut[n]!.data as Float32Array), Array.from(apartOut[n]!.data as Float32Array), n);
    });
  }

  it('pack and unpack are inverse, and unpacking can share or copy the flat buffer', () => {
    const tensors: Record<string, TensorData> = {
      a: tensor('float32', [2, 2], [1, 2, 3, 4]),
      b: tensor('float32', [3], [5, 6, 7]),
      'a:m': tensor('float32', [2, 2], [0.1, 0.2, 0.3, 0.4]),
      'b:m': tensor('float32', [3], [0.5, 0.6, 0.7]),
      other: tensor('float32', [1], [9]),
    };
    const groups = [{ name: 'P', members: ['a', 'b'] }, { name: 'M', members: ['a:m', 'b:m'] }];
    const packed = packTensors(tensors, groups);
    assert.deepEqual(Object.keys(packed).sort(), ['M', 'P', 'other']);
    assert.deepEqual(Array.from(packed.P!.data as Float32Array), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(packed.M!.shape, [7]);
    const shapes = new Map(Object.entries(tensors).map(([k, t]) => [k, t.shape] as const));
    const views = unpackTensors(packed, groups, shapes, false);
    const copies = unpackTensors(packed, groups, shapes, true);
    for (const k of Object.keys(tensors)) {
      assert.deepEqual(views[k]!.shape, tensors[k]!.shape, k);
      assert.deepEqual(Array.from(views[k]!.data as Float32Array), Array.from(tensors[k]!.data as Float32Array), k);
    }
    (packed.P!.data as Float32Array)[4] = 50;
    assert.equal(views.b!.data[0], 50, 'a view sees the flat buffer');
    assert.equal(copies.b!.data[0], 5, 'a copy does not');
    assert.equal(tensors.b!.data[0], 5, "packing copied the caller's arrays");
    assert.throws(() => packTensors({ a: tensors.a! }, groups), /packing P: no tensor 'b'/);
  });
});
