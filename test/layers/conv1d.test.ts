import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type CaseResult, checkCase } from '../../src/check/gradcheck.js';
import { Graph } from '../../src/graph/graph.js';
import * as L from '../../src/layers/index.js';
import { LayerAutoencoder } from '../../src/models/index.js';
import { draws, layerCase, runLayer } from './helpers.js';

// Plain float64 references over NLC sequences x[n, t, c] (index (n·L + t)·C + c).

/** y[n, o, f] = b[f] + Σ_c Σ_j x[n, o·s + j·d − p, c] · W[f, c, j] (zero outside the input). */
function conv1dRef(x: Float64Array, w: Float64Array, b: Float64Array | undefined, [n, l, c]: number[], [f, k]: number[], s: number, d: number, p: number, out: number): Float64Array {
  const y = new Float64Array(n * out * f);
  for (let ni = 0; ni < n; ni++) for (let o = 0; o < out; o++) for (let fi = 0; fi < f; fi++) {
    let sum = b ? b[fi]! : 0;
    for (let ci = 0; ci < c; ci++) for (let j = 0; j < k; j++) {
      const t = o * s + j * d - p;
      if (t >= 0 && t < l) sum += x[(ni * l + t) * c + ci]! * w[(fi * c + ci) * k + j]!;
    }
    y[(ni * out + o) * f + fi] = sum;
  }
  return y;
}

/** y[n, t·s + j − p, f] += x[n, t, c] · W[c, f, j], plus b[f]; output steps outside [0, out) are dropped. */
function convTranspose1dRef(x: Float64Array, w: Float64Array, b: Float64Array, [n, l, c]: number[], [f, k]: number[], s: number, p: number, out: number): Float64Array {
  const y = new Float64Array(n * out * f);
  for (let ni = 0; ni < n; ni++) for (let o = 0; o < out; o++) for (let fi = 0; fi < f; fi++) y[(ni * out + o) * f + fi] = b[fi]!;
  for (let ni = 0; ni < n; ni++) for (let t = 0; t < l; t++) for (let ci = 0; ci < c; ci++) for (let fi = 0; fi < f; fi++) for (let j = 0; j < k; j++) {
    const o = t * s + j - p;
    if (o >= 0 && o < out) y[(ni * out + o) * f + fi] += x[(ni * l + t) * c + ci]! * w[(ci * f + fi) * k + j]!;
  }
  return y;
}

/** Max or mean of each window of `k` steps (stride s, p padded steps before), padded steps ignored. */
function pool1dRef(x: Float64Array, [n, l, c]: number[], k: number, s: number, p: number, out: number, kind: 'max' | 'avg'): Float64Array {
  const y = new Float64Array(n * out * c);
  for (let ni = 0; ni < n; ni++) for (let o = 0; o < out; o++) for (let ci = 0; ci < c; ci++) {
    const cells: number[] = [];
    for (let j = 0; j < k; j++) {
      const t = o * s + j - p;
      if (t >= 0 && t < l) cells.push(x[(ni * l + t) * c + ci]!);
    }
    y[(ni * out + o) * c + ci] = kind === 'max' ? Math.max(...cells) : cells.reduce((a, v) => a + v, 0) / cells.length;
  }
  return y;
}

/** Each step repeated `size` times. */
function upsample1dRef(x: Float64Array, [n, l, c]: number[], size: number): Float64Array {
  const y = new Float64Array(n * l * size * c);
  for (let ni = 0; ni < n; ni++) for (let t = 0; t < l * size; t++) for (let ci = 0; ci < c; ci++) y[(ni * l * size + t) * c + ci] = x[(ni * l + Math.floor(t / size)) * c + ci]!;
  return y;
}

const act = (y: Float64Array, f: (v: number) => number) => y.map(f);

function assertOk(r: CaseResult): void {
  assert.equal(r.gradient, 'ok', `${r.label}: gradient ${r.message ?? ''} (error ${r.gradError})`);
  assert.ok(r.checkedElements > 0);
  assert.equal(r.forward, 'ok', `${r.label}: ${r.message ?? ''}`);
}

describe('1-D layers: forward against plain loops, gradients against finite differences (through ONNX Runtime)', () => {
  it("Conv1D 'valid', stride 2, dilation 2, tanh", async () => {
    // L = 11, k = 3, d = 2: span 5, out ⌊(11 − 5) / 2⌋ + 1 = 4.
    const layer = new L.Conv1D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2, activation: 'tanh' });
    assert.deepEqual(layer.computeOutputShape(['N', 11, 3]), ['N', 4, 2]);
    assertOk(await checkCase(layerCase(layer, [2, 11, 3], { reference: ([x, w, b]) => act(conv1dRef(x!, w!, b!, [2, 11, 3], [2, 3], 2, 2, 0, 4), Math.tanh) })));
  });

  it("Conv1D 'same' (extra padding at the end), stride 2, no bias", async () => {
    // L = 8, k = 4, s = 2: out 4, total padding (4 − 1)·2 + 4 − 8 = 2, one before.
    const layer = new L.Conv1D({ filters: 3, kernelSize: 4, strides: 2, padding: 'same', useBias: false });
    assertOk(await checkCase(layerCase(layer, [2, 8, 2], { reference: ([x, w]) => conv1dRef(x!, w!, undefined, [2, 8, 2], [3, 4], 2, 1, 1, 4) })));
    // k = 4, s = 1: total padding 3, one before and two after.
    const odd = new L.Conv1D({ filters: 1, kernelSize: 4, padding: 'same' });
    assertOk(await checkCase(layerCase(odd, [1, 5, 2], { reference: ([x, w, b]) => conv1dRef(x!, w!, b!, [1, 5, 2], [1, 4], 1, 1, 1, 5) })));
  });

  it("Conv1D 'causal': output t sees steps ≤ t only", async () => {
    const layer = new L.Conv1D({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'causal' });
    assertOk(await checkCase(layerCase(layer, [2, 7, 2], { reference: ([x, w, b]) => conv1dRef(x!, w!, b!, [2, 7, 2], [2, 3], 1, 2, 4, 7) })));
    // Changing the last step changes only the last output.
    const x = draws(7 * 2, 3);
    const a = await runLayer(layer, [1, 7, 2], x, { seed: 2 });
    const later = [...x];
    later[12] = 5;
    const b = await runLayer(layer, [1, 7, 2], later, { seed: 2 });
    assert.deepEqual(b.y.slice(0, 12), a.y.slice(0, 12));
    assert.notDeepEqual(b.y.slice(12), a.y.slice(12));
    const strided = new L.Conv1D({ filters: 1, kernelSize: 3, strides: 2, padding: 'causal' });
    assertOk(await checkCase(layerCase(strided, [1, 7, 1], { reference: ([x, w, b]) => conv1dRef(x!, w!, b!, [1, 7, 1], [1, 3], 2, 1, 2, 4) })));
  });

  it('Conv1D with softmax over the channels', async () => {
    const layer = new L.Conv1D({ filters: 3, kernelSize: 2, activation: 'softmax' });
    const softmax = (y: Float64Array) => {
      const out = new Float64Array(y.length);
      for (let r = 0; r < y.length / 3; r++) {
        const e = [0, 1, 2].map((i) => Math.exp(y[r * 3 + i]!));
        const s = e[0]! + e[1]! + e[2]!;
        e.forEach((v, i) => (out[r * 3 + i] = v / s));
      }
      return out;
    };
    assertOk(await checkCase(layerCase(layer, [2, 4, 2], { reference: ([x, w, b]) => softmax(conv1dRef(x!, w!, b!, [2, 4, 2], [3, 2], 1, 1, 0, 3)) })));
  });

  it("Conv1DTranspose stride 2, 'valid' and 'same'", async () => {
    // 'valid': L·s + max(k − s, 0) = 3·2 + 1 = 7.
    const valid = new L.Conv1DTranspose({ filters: 2, kernelSize: 3, strides: 2, activation: 'sigmoid' });
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    assertOk(await checkCase(layerCase(valid, [2, 3, 2], { reference: ([x, w, b]) => act(convTranspose1dRef(x!, w!, b!, [2, 3, 2], [2, 3], 2, 0, 7), sig) })));
    // 'same': L·s = 8; the adjoint of a 'same' Conv1D on 8 steps, padding (k − s) = 2, one before.
    const same = new L.Conv1DTranspose({ filters: 3, kernelSize: 4, strides: 2, padding: 'same' });
    assertOk(await checkCase(layerCase(same, [1, 4, 2], { reference: ([x, w, b]) => convTranspose1dRef(x!, w!, b!, [1, 4, 2], [3, 4], 2, 1, 8) })));
    // k < s: 'valid' output L·s, with the gaps left at the bias.
    const gaps = new L.Conv1DTranspose({ filters: 1, kernelSize: 1, strides: 3 });
    assertOk(await checkCase(layerCase(gaps, [1, 3, 2], { reference: ([x, w, b]) => convTranspose1dRef(x!, w!, b!, [1, 3, 2], [1, 1], 3, 0, 9) })));
  });

  it("MaxPool1D: tiled windows, and overlapping 'same' windows (distinct values, away from ties)", async () => {
    assertOk(await checkCase(layerCase(new L.MaxPool1D(), [2, 6, 3], { kind: 'distinct', reference: ([x]) => pool1dRef(x!, [2, 6, 3], 2, 2, 0, 3, 'max') })));
    // L = 7, pool 3, stride 2, 'same': out 4, total padding 3·2 + 3 − 7 = 2, one before.
    const same = new L.MaxPool1D({ poolSize: 3, strides: 2, padding: 'same' });
    assertOk(await checkCase(layerCase(same, [2, 7, 2], { kind: 'distinct', reference: ([x]) => pool1dRef(x!, [2, 7, 2], 3, 2, 1, 4, 'max') })));
    // An odd length with pool 2 'same' (the autoencoder's pooling): the last window holds one step.
    const odd = new L.MaxPool1D({ padding: 'same' });
    assertOk(await checkCase(layerCase(odd, [2, 5, 2], { kind: 'distinct', reference: ([x]) => pool1dRef(x!, [2, 5, 2], 2, 2, 0, 3, 'max') })));
  });

  it("AveragePool1D 'valid' and 'same' (padded steps not counted)", async () => {
    assertOk(await checkCase(layerCase(new L.AveragePool1D({ poolSize: 3, strides: 1 }), [2, 5, 2], { reference: ([x]) => pool1dRef(x!, [2, 5, 2], 3, 1, 0, 3, 'avg') })));
    const same = new L.AveragePool1D({ poolSize: 3, strides: 2, padding: 'same' });
    assertOk(await checkCase(layerCase(same, [2, 6, 2], { reference: ([x]) => pool1dRef(x!, [2, 6, 2], 3, 2, 0, 3, 'avg') })));
  });

  it('UpSampling1D by 2 and by 3', async () => {
    assertOk(await checkCase(layerCase(new L.UpSampling1D(), [2, 3, 2], { reference: ([x]) => upsample1dRef(x!, [2, 3, 2], 2) })));
    assertOk(await checkCase(layerCase(new L.UpSampling1D({ size: 3 }), [2, 2, 3], { reference: ([x]) => upsample1dRef(x!, [2, 2, 3], 3) })));
  });

  it('Cropping1D', async () => {
    const layer = new L.Cropping1D({ cropping: [1, 2] });
    const ref = (x: Float64Array) => Float64Array.from({ length: 2 * 3 * 2 }, (_, i) => {
      const [ni, t, ci] = [Math.floor(i / 6), Math.floor(i / 2) % 3, i % 2];
      return x[(ni * 6 + t + 1) * 2 + ci]!;
    });
    assertOk(await checkCase(layerCase(layer, [2, 6, 2], { reference: ([x]) => ref(x!) })));
  });
});

describe('1-D layers: shapes and arguments', () => {
  it("'same', 'valid', 'causal', strides and dilation give Keras' lengths", () => {
    const out = (layer: L.Layer, steps: number) => layer.computeOutputShape(['N', steps, 3])[1];
    for (const steps of [1, 2, 7, 8, 9, 50]) {
      for (const s of [1, 2, 3]) {
        assert.equal(out(new L.Conv1D({ filters: 1, kernelSize: 3, strides: s, padding: 'same' }), steps), Math.ceil(steps / s));
        assert.equal(out(new L.Conv1D({ filters: 1, kernelSize: 3, strides: s, padding: 'causal' }), steps), Math.ceil(steps / s));
        assert.equal(out(new L.MaxPool1D({ poolSize: 2, strides: s, padding: 'same' }), steps), Math.ceil(steps / s));
        assert.equal(out(new L.Conv1DTranspose({ filters: 1, kernelSize: 3, strides: s, padding: 'same' }), steps), steps * s);
        assert.equal(out(new L.Conv1DTranspose({ filters: 1, kernelSize: 3, strides: s }), steps), steps * s + Math.max(3 - s, 0));
        if (steps >= 5) assert.equal(out(new L.Conv1D({ filters: 1, kernelSize: 3, strides: s, dilationRate: 2 }), steps), Math.floor((steps - 5) / s) + 1);
      }
    }
    assert.deepEqual(new L.Conv1D({ filters: 4, kernelSize: 5 }).computeOutputShape(['N', 9, 2]), ['N', 5, 4]);
    assert.deepEqual(new L.AveragePool1D({ poolSize: 3 }).computeOutputShape([6, 10, 2]), [6, 3, 2]);
    assert.deepEqual(new L.UpSampling1D({ size: 4 }).computeOutputShape(['N', 3, 2]), ['N', 12, 2]);
    assert.deepEqual(new L.Cropping1D().computeOutputShape(['N', 5, 2]), ['N', 3, 2]);
  });

  it('inputs that are not [N, steps, channels] with known sizes, or too short, are refused naming the layer', () => {
    const bad: [L.Layer, (string | number)[], RegExp][] = [
      [new L.Conv1D({ filters: 1, kernelSize: 3, name: 'c' }), ['N', 8], /^LayerError: Conv1D 'c': expects input \[N, steps, channels\] \(channels last\), got \[N, 8\]/],
      [new L.Conv1D({ filters: 1, kernelSize: 3, name: 'c' }), ['N', 1, 8, 8], /Conv1D 'c': expects input \[N, steps, channels\]/],
      [new L.Conv1D({ filters: 1, kernelSize: 3, name: 'c' }), ['N', 'T', 2], /Conv1D 'c': steps \(axis 1\) must be a known size, got T/],
      [new L.Conv1D({ filters: 1, kernelSize: 3, dilationRate: 2, name: 'c' }), ['N', 4, 2], /Conv1D 'c': kernel 3 \(dilation 2\) does not fit input \[N, 4, 2\] with 'valid' padding/],
      [new L.Conv1DTranspose({ filters: 1, kernelSize: 3, name: 't' }), ['N', 3, 'C'], /Conv1DTranspose 't': channels \(axis 2\) must be a known size/],
      [new L.MaxPool1D({ poolSize: 3, name: 'p' }), ['N', 2, 1], /MaxPool1D 'p': pool 3 does not fit input \[N, 2, 1\]/],
      [new L.AveragePool1D({ name: 'a' }), ['N', 6], /AveragePool1D 'a': expects input \[N, steps, channels\]/],
      [new L.UpSampling1D({ name: 'u' }), ['N', 2, 3, 4], /UpSampling1D 'u': expects input/],
      [new L.Cropping1D({ cropping: [2, 3], name: 'k' }), ['N', 5, 1], /Cropping1D 'k': cropping \[2, 3\] leaves no step of input \[N, 5, 1\]/],
    ];
    for (const [layer, shape, pattern] of bad) {
      assert.throws(() => layer.computeOutputShape(shape), pattern);
      const g = new Graph();
      assert.throws(() => layer.call(new L.GraphBuildContext(g, false), g.input('x', shape)), pattern);
    }
  });

  it('bad arguments are refused naming the layer and the argument', () => {
    assert.throws(() => new L.Conv1D({ filters: 0, kernelSize: 3, name: 'c' }), /^LayerError: Conv1D 'c': filters must be a positive integer, got 0$/);
    assert.throws(() => new L.Conv1D({ filters: 2, kernelSize: [3, 3] as never, name: 'c' }), /Conv1D 'c': kernelSize must be a positive integer \(or a list of one\), got \[3,3\]/);
    assert.throws(() => new L.Conv1D({ filters: 2, kernelSize: 2.5, name: 'c' }), /Conv1D 'c': kernelSize must be a positive integer, got 2.5/);
    assert.throws(() => new L.Conv1D({ filters: 2, kernelSize: 3, strides: 0, name: 'c' }), /Conv1D 'c': strides must be a positive integer, got 0/);
    assert.throws(() => new L.Conv1D({ filters: 2, kernelSize: 3, dilationRate: -1, name: 'c' }), /Conv1D 'c': dilationRate must be a positive integer/);
    assert.throws(() => new L.Conv1D({ filters: 2, kernelSize: 3, padding: 'full' as 'same', name: 'c' }), /Conv1D 'c': padding must be 'same', 'valid' or 'causal', got "full"/);
    assert.throws(() => new L.Conv1D({ filters: 2, kernelSize: 3, activation: 'swish' as 'relu', name: 'c' }), /Conv1D 'c': unknown activation "swish"/);
    assert.throws(() => new L.Conv1D({ filters: 2, kernelSize: 3, kernel_size: 3 } as never), /Conv1D: unknown arg 'kernel_size' \(did you mean 'kernelSize'\?\)/);
    assert.throws(() => new L.Conv1DTranspose({ filters: 2, kernelSize: 3, padding: 'causal' as 'same', name: 't' }), /Conv1DTranspose 't': padding must be 'same' or 'valid', got "causal"/);
    assert.throws(() => new L.Conv1DTranspose({ filters: 2, kernelSize: 3, useBias: 0 as never, name: 't' }), /Conv1DTranspose 't': useBias must be true or false, got 0/);
    assert.throws(() => new L.Conv1DTranspose({ filters: 2, kernelSize: 3, kernelRegularizer: { l2: -1 }, name: 't' }), /Conv1DTranspose 't': kernelRegularizer.l2 must be a non-negative number/);
    assert.throws(() => new L.MaxPool1D({ poolSize: 0, name: 'p' }), /MaxPool1D 'p': poolSize must be a positive integer, got 0/);
    assert.throws(() => new L.AveragePool1D({ strides: [2, 2] as never, name: 'a' }), /AveragePool1D 'a': strides must be a positive integer \(or a list of one\)/);
    assert.throws(() => new L.AveragePool1D({ padding: 'causal' as 'same', name: 'a' }), /AveragePool1D 'a': padding must be 'same' or 'valid'/);
    assert.throws(() => new L.UpSampling1D({ size: 1.5, name: 'u' }), /UpSampling1D 'u': size must be a positive integer, got 1.5/);
    assert.throws(() => new L.Cropping1D({ cropping: [1, -1], name: 'k' }), /Cropping1D 'k': cropping must be a non-negative integer or a pair \[start, end\] of them, got \[1,-1\]/);
    // Keras writes 1-D sizes as lists of one; they are read as numbers.
    const fromKeras = new L.Conv1D({ filters: 2, kernelSize: [5], strides: [2], dilationRate: [1] });
    assert.deepEqual([fromKeras.kernelSize, fromKeras.strides, fromKeras.dilationRate], [5, 2, 1]);
    assert.equal(new L.MaxPool1D({ poolSize: [3] }).strides, 3);
  });

  it('the kernel has PyTorch’s layout: [filters, in, k] (Conv1D), [in, filters, k] (Conv1DTranspose), with Keras’ fans', () => {
    const g = new Graph();
    const ctx = new L.GraphBuildContext(g, false);
    const x = g.input('x', ['N', 10, 3]);
    new L.Conv1DTranspose({ filters: 4, kernelSize: 2, name: 't' }).call(ctx, new L.Conv1D({ filters: 6, kernelSize: 5, name: 'c' }).call(ctx, x));
    assert.deepEqual(ctx.specs.map((s) => [s.name, s.shape, s.layout]), [
      ['c/kernel', [6, 3, 5], 'conv'], ['c/bias', [6], 'dense'], ['t/kernel', [6, 4, 2], 'convTranspose'], ['t/bias', [4], 'dense'],
    ]);
    assert.deepEqual(L.fans([6, 3, 5], 'conv'), [15, 30]);
  });
});

describe('1-D layers: configs and saved models', () => {
  const layers = () => [
    new L.Conv1D({ name: 'c', filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'elu', kernelRegularizer: { l2: 1e-3 } }),
    new L.MaxPool1D({ name: 'p', padding: 'same' }),
    new L.AveragePool1D({ name: 'a', poolSize: 3, strides: 1, padding: 'same' }),
    new L.UpSampling1D({ name: 'u', size: 3 }),
    new L.Conv1DTranspose({ name: 't', filters: 2, kernelSize: 4, strides: 2, padding: 'same', useBias: false }),
    new L.Cropping1D({ name: 'k', cropping: [0, 1] }),
  ];

  it('each config round-trips through JSON to a layer with the same output', async () => {
    for (const layer of layers()) {
      const json = JSON.parse(JSON.stringify(layer.toJSON())) as L.LayerJSON;
      const copy = L.layerFromJSON(json);
      assert.equal(copy.constructor, layer.constructor);
      assert.deepEqual(copy.getConfig(), layer.getConfig());
      const shape = [2, 6, 2];
      const x = draws(24, 5);
      const a = await runLayer(layer, shape, x, { seed: 3 });
      const b = await runLayer(copy, shape, x, { seed: 3 });
      assert.deepEqual(b.y, a.y, layer.className);
      assert.deepEqual(a.shape, layer.computeOutputShape(shape));
    }
    assert.deepEqual(new L.Conv1D({ name: 'c', filters: 2, kernelSize: 3 }).getConfig(), {
      name: 'c', filters: 2, kernelSize: 3, strides: 1, padding: 'valid', dilationRate: 1, activation: 'linear', useBias: true, kernelInitializer: 'glorotUniform', biasInitializer: 'zeros',
    });
  });

  it('a model built of them trains, saves and loads with the same outputs', async () => {
    // [12, 2] → c [12, 4] → p [6, 4] → a [6, 4] → Flatten → Dense [3] | Dense [12] → Reshape [3, 4] → u [9, 4] → t [18, 2] → crop [12, 2].
    const [c, p, a, u, t] = layers();
    const model = new LayerAutoencoder({
      inputShape: [12, 2],
      encoder: [c!, p!, a!, new L.Flatten({ name: 'f' }), new L.Dense({ name: 'code', units: 3 })],
      decoder: [
        new L.Dense({ name: 'd', units: 12 }), new L.Reshape({ name: 'r', targetShape: [3, 4] }), u!, t!, new L.Cropping1D({ name: 'k', cropping: [3, 3] }),
      ],
    });
    const x = Float32Array.from(draws(16 * 24, 9));
    await model.fit({ x, shape: [16, 12, 2] }, { epochs: 2, batchSize: 8, worker: false });
    const dir = join(mkdtempSync(join(tmpdir(), 'aekit-conv1d-')), 'model');
    model.save(dir);
    const loaded = LayerAutoencoder.load(dir);
    assert.deepEqual(loaded.getConfig(), model.getConfig());
    assert.deepEqual(Array.from(await loaded.reconstruct(x)), Array.from(await model.reconstruct(x)));
    assert.deepEqual(loaded.encoder.layers.map((l) => l.className), ['Conv1D', 'MaxPool1D', 'AveragePool1D', 'Flatten', 'Dense']);
    assert.deepEqual(loaded.decoder.layers.map((l) => l.className), ['Dense', 'Reshape', 'UpSampling1D', 'Conv1DTranspose', 'Cropping1D']);
  });
});
