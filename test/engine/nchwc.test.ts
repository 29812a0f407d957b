/**
 * Blocked-channel (NCHWc) convolutions (src/onnx/nchwc.ts): marked by the
 * lowering, rewritten for this machine's block when a CPU session is made,
 * checked against a float64 reference and finite differences, and against
 * the plain kernels in a whole training run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCase } from '../../src/check/gradcheck.js';
import { Graph, tensor } from '../../src/index.js';
import { ConvAutoencoder } from '../../src/models/index.js';
import onnxProto from 'onnx-proto';
import { NCHWC_DOMAIN, hasNchwcMarks, mergeCommonSubexpressions, rewriteNchwc } from '../../src/onnx/nchwc.js';
import { RuntimeSession, nchwcBlockSize } from '../../src/onnx/runtime.js';
import { toOnnx } from '../../src/onnx/serialize.js';
import { cacheFileFor } from '../../src/onnx/session-cache.js';

/** Direct NCHW convolution with strides, pads and dilations, in float64. */
function convReference(x: Float64Array, xs: number[], w: Float64Array, ws: number[], b: Float64Array | undefined, o: { strides: number[]; pads: number[]; dilations: number[] }): Float64Array {
  const [n, c, h, wd] = xs as [number, number, number, number];
  const [m, , kh, kw] = ws as [number, number, number, number];
  const [sh, sw] = o.strides as [number, number];
  const [dh, dw] = o.dilations as [number, number];
  const [pt, pl, pb, pr] = o.pads as [number, number, number, number];
  const ho = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  const wo = Math.floor((wd + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  const y = new Float64Array(n * m * ho * wo);
  for (let s = 0; s < n; s++) for (let f = 0; f < m; f++) for (let r = 0; r < ho; r++) for (let q = 0; q < wo; q++) {
    let acc = b ? b[f]! : 0;
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const hr = r * sh + i * dh - pt;
      const wq = q * sw + j * dw - pl;
      if (hr < 0 || hr >= h || wq < 0 || wq >= wd) continue;
      acc += x[((s * c + ch) * h + hr) * wd + wq]! * w[((f * c + ch) * kh + i) * kw + j]!;
    }
    y[((s * m + f) * ho + r) * wo + q] = acc;
  }
  return y;
}

/** Direct NCHW transposed convolution (weight [C, M, kH, kW]) with strides and pads, in float64; `out` is the output size. */
function convTransposeReference(x: Float64Array, xs: number[], w: Float64Array, ws: number[], b: Float64Array | undefined, strides: number[], pads: number[], out: number[]): Float64Array {
  const [n, c, h, wd] = xs as [number, number, number, number];
  const [, m, kh, kw] = ws as [number, number, number, number];
  const [ho, wo] = out as [number, number];
  const y = new Float64Array(n * m * ho * wo);
  for (let s = 0; s < n; s++) for (let f = 0; f < m; f++) for (let i = 0; i < ho * wo; i++) y[(s * m + f) * ho * wo + i] = b ? b[f]! : 0;
  for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) for (let r = 0; r < h; r++) for (let q = 0; q < wd; q++) {
    const v = x[((s * c + ch) * h + r) * wd + q]!;
    for (let f = 0; f < m; f++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const oy = r * strides[0]! + i - pads[0]!;
      const ox = q * strides[1]! + j - pads[1]!;
      if (oy < 0 || oy >= ho || ox < 0 || ox >= wo) continue;
      y[((s * m + f) * ho + oy) * wo + ox] += v * w[((ch * m + f) * kh + i) * kw + j]!;
    }
  }
  return y;
}

/** The op types of a model's main graph, in order. */
const graphOps = (bytes: Uint8Array) => onnxProto.onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType!);

/** The op types of a serialized model's main graph and its subgraphs, with their domains. */
function opTypes(bytes: Uint8Array): string {
  return new TextDecoder('latin1').decode(bytes);
}

const convBytes = (m: number, c: number, device: 'cpu' | 'webgpu' = 'cpu') => {
  const g = new Graph();
  const x = g.input('x', ['N', c, 6, 6]);
  const w = g.param('w', [m, c, 3, 3]);
  return toOnnx(g, { outputs: { y: g.conv2d(x, w, { pads: 'same' }) }, device }).bytes;
};

describe('NCHWc convolutions', () => {
  it("reads the block from ONNX Runtime: 0 (no blocked kernels in this build) or a multiple of 8", async () => {
    const block = await nchwcBlockSize();
    assert.ok(block === 0 || (block >= 8 && block % 8 === 0), `block ${block}`);
    assert.equal(await nchwcBlockSize(), block, 'asked once, the same answer');
  });

  it('marks only CPU convolutions whose channel counts are multiples of 8, and rewrites those that fit the block', async () => {
    assert.equal(hasNchwcMarks(convBytes(16, 16)), true);
    assert.equal(hasNchwcMarks(convBytes(12, 16)), false, 'output channels not a multiple of 8');
    assert.equal(hasNchwcMarks(convBytes(1, 16)), false, 'few outputs take their own lowering');
    assert.equal(hasNchwcMarks(convBytes(16, 16, 'webgpu')), false, 'WebGPU has no blocked kernels');
    const g = new Graph();
    const y = g.conv2d(g.input('x', ['N', 16, 6, 6], 'float64'), g.param('w', [16, 16, 3, 3], 'float64'), { pads: 'same' });
    assert.equal(hasNchwcMarks(toOnnx(g, { outputs: { y } }).bytes), false, 'the blocked kernels are float32 only');
    const rewritten = rewriteNchwc(convBytes(16, 16), 16);
    assert.ok(rewritten, '16 → 16 channels fit a block of 16');
    assert.match(opTypes(rewritten), new RegExp(NCHWC_DOMAIN.replaceAll('.', '\\.')));
    assert.match(opTypes(rewritten), /ReorderInput/);
    assert.equal(rewriteNchwc(convBytes(8, 8), 16), undefined, '8 channels do not fill a block of 16');
    assert.ok(rewriteNchwc(convBytes(8, 8), 8), 'but fill a block of 8');
    // Fewer input channels than a block (a first layer on an image) are read unblocked; other counts are not taken.
    assert.ok(rewriteNchwc(convBytes(16, 3), 16), '3 input channels: the unblocked-input kernel');
    assert.doesNotMatch(opTypes(rewriteNchwc(convBytes(16, 3), 16)!), /ReorderInput/);
    assert.ok(rewriteNchwc(convBytes(16, 12), 16), '12 input channels, block of 16: unblocked input');
    assert.equal(rewriteNchwc(convBytes(16, 12), 8), undefined, '12 input channels neither fill blocks of 8 nor fit in one');
  });

  for (const c of [1, 3]) {
    it(`${c} → 16 channels (the unblocked-input kernel): forward matches a float64 convolution, gradients match finite differences`, async () => {
      const xs = [2, c, 9, 7];
      const ws = [16, c, 3, 3];
      const o = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1] };
      const result = await checkCase({
        op: 'Conv', label: `${c} → 16`, dtype: 'float32',
        inputs: [{ shape: xs }, { shape: ws }, { shape: [16] }],
        build: (g, [x, w, b]) => g.conv2d(x!, w!, { pads: 'same', bias: b }),
        reference: ([x, w, b]) => convReference(x!, xs, w!, ws, b, o),
      });
      assert.equal(result.forward, 'ok', result.message);
      assert.equal(result.gradient, 'ok', result.message);
    });
  }

  // Transposed convolutions run as a blocked sub-pixel Conv: each case's geometry against a float64 reference.
  for (const [label, k, strides, pads, outputSize] of [
    ["3x3 stride 2, pads [0, 0, 1, 1] (the conv preset's 'same')", 3, 2, [0, 0, 1, 1], [10, 8]],
    ['3x3 stride 2, pads 1, output padding 1', 3, 2, [1, 1, 1, 1], [10, 8]],
    ['3x3 stride 2, pads 1, odd output (cropped)', 3, 2, [1, 1, 1, 1], [9, 7]],
    ['4x4 stride 2, pads 1', 4, 2, [1, 1, 1, 1], [10, 8]],
    ['2x2 stride 2, no pads', 2, 2, [0, 0, 0, 0], [10, 8]],
    ['3x3 stride 3, no pads', 3, 3, [0, 0, 0, 0], [15, 12]],
    ['3x3 stride 1, pads 1', 3, 1, [1, 1, 1, 1], [5, 4]],
  ] as const) {
    it(`16 → 16-channel transposed convolution, ${label}: forward matches float64, gradients match finite differences`, async () => {
      const xs = [2, 16, 5, 4];
      const ws = [16, 16, k, k];
      const opts = { strides: [strides, strides] as [number, number], pads: [...pads] as [number, number, number, number], outputSize: [...outputSize] as [number, number] };
      const g = new Graph();
      const y = g.convTranspose2d(g.input('x', ['N', 16, 5, 4]), g.param('w', ws), { ...opts, bias: g.param('b', [16]) });
      const bytes = toOnnx(g, { outputs: { y } }).bytes;
      for (const block of [8, 16]) {
        const rewritten = rewriteNchwc(bytes, block);
        assert.ok(rewritten, `block ${block}: rewritten`);
        const ops = graphOps(rewritten);
        assert.ok(!ops.includes('ConvTranspose') && ops.filter((o) => o === 'Conv').length === 1, ops.join(' '));
      }
      const result = await checkCase({
        op: 'ConvTranspose', label, dtype: 'float32',
        inputs: [{ shape: xs }, { shape: ws }, { shape: [16] }],
        build: (g, [x, w, b]) => g.convTranspose2d(x!, w!, { ...opts, bias: b }),
        reference: ([x, w, b]) => convTransposeReference(x!, xs, w!, ws, b, [strides, strides], [...pads], [...outputSize]),
      });
      assert.equal(result.forward, 'ok', result.message);
      assert.equal(result.gradient, 'ok', result.message);
    });
  }

  it('keeps transposed convolutions it cannot write as one blocked Conv: dilated, unequal strides, too few output channels', () => {
    const bytes = (ws: number[], opts: Parameters<Graph['convTranspose2d']>[2]) => {
      const g = new Graph();
      return toOnnx(g, { outputs: { y: g.convTranspose2d(g.input('x', ['N', ws[0]!, 5, 4]), g.param('w', ws), opts) } }).bytes;
    };
    assert.equal(rewriteNchwc(bytes([16, 16, 3, 3], { strides: 2, dilations: 2 }), 16), undefined, 'dilation 2');
    assert.equal(rewriteNchwc(bytes([16, 16, 3, 3], { strides: [2, 1] }), 16), undefined, 'strides [2, 1]');
    assert.equal(rewriteNchwc(bytes([16, 8, 3, 3], { strides: 2 }), 16), undefined, '8 output channels do not fill a block of 16');
    assert.equal(hasNchwcMarks(bytes([16, 4, 3, 3], { strides: 2 })), false, '4 output channels are never marked');
  });

  it('keeps tensors blocked from one layer to the next in an inference graph, with the plain kernels\' values', async () => {
    // conv (1 channel in) → ELU → max-pool → conv → ReLU → average-pool → conv, and one activation also a graph output.
    const g = new Graph();
    const x = g.input('x', ['N', 1, 12, 12]);
    const w1 = g.param('w1', [16, 1, 3, 3]);
    const w2 = g.param('w2', [16, 16, 3, 3]);
    const w3 = g.param('w3', [16, 16, 3, 3]);
    const h1 = g.maxPool2d(g.elu(g.conv2d(x, w1, { pads: 'same' })), { kernel: 2 });
    const a2 = g.relu(g.conv2d(h1, w2, { pads: 'same' }));
    const h2 = g.avgPool2d(a2, { kernel: 2 });
    const y = g.conv2d(h2, w3, { pads: 'same' });
    const ops = graphOps(rewriteNchwc(toOnnx(g, { outputs: { y } }).bytes, 16)!);
    assert.equal(ops.filter((o) => o === 'ReorderInput').length, 0, `no reorder into blocks: ${ops.join(' ')}`);
    assert.equal(ops.filter((o) => o === 'ReorderOutput').length, 1, `one reorder out, for y: ${ops.join(' ')}`);
    // With an activation that is also a graph output, that value keeps its plain copy.
    const bytes = toOnnx(g, { outputs: { y, a2 } }).bytes;
    const feeds = {
      x: tensor('float32', [3, 1, 12, 12], Array.from({ length: 432 }, (_, i) => Math.sin(i * 0.31))),
      w1: tensor('float32', [16, 1, 3, 3], Array.from({ length: 144 }, (_, i) => Math.cos(i * 0.7) * 0.5)),
      w2: tensor('float32', [16, 16, 3, 3], Array.from({ length: 2304 }, (_, i) => Math.sin(i * 0.13) * 0.1)),
      w3: tensor('float32', [16, 16, 3, 3], Array.from({ length: 2304 }, (_, i) => Math.cos(i * 0.29) * 0.1)),
    };
    const blocked = await RuntimeSession.create(bytes, { cache: false });
    const plain = await RuntimeSession.create(bytes, { cache: false, nchwc: false });
    const a = await blocked.run(feeds);
    const b = await plain.run(feeds);
    for (const name of ['y', 'a2']) {
      const p = b[name]!.data as Float32Array;
      const worst = (a[name]!.data as Float32Array).reduce((d, v, i) => Math.max(d, Math.abs(v - p[i]!)), 0);
      assert.ok(worst < 1e-5, `${name}: largest difference ${worst}`);
    }
    await blocked.release();
    await plain.release();
  });

  for (const [label, strides, pads, dilations, bias] of [
    ['stride 1, asymmetric pads, dilation 1x2, bias', [1, 1], [1, 0, 2, 1], [1, 2], true],
    ['stride 2, same-style pads, no bias', [2, 2], [1, 1, 1, 1], [1, 1], false],
  ] as const) {
    it(`16 → 16 channels (${label}): forward matches a float64 convolution, gradients match finite differences`, async () => {
      const xs = [2, 16, 7, 6];
      const ws = [16, 16, 3, 3];
      const o = { strides: [...strides], pads: [...pads], dilations: [...dilations] };
      const result = await checkCase({
        op: 'Conv',
        label,
        inputs: [{ shape: xs }, { shape: ws }, ...(bias ? [{ shape: [16] }] : [])],
        build: (g, [x, w, b]) => g.conv2d(x!, w!, { strides: [...strides] as [number, number], pads: [...pads] as [number, number, number, number], dilations: [...dilations] as [number, number], bias: b }),
        reference: ([x, w, b]) => convReference(x!, xs, w!, ws, b, o),
      });
      assert.equal(result.forward, 'ok', result.message);
      assert.equal(result.gradient, 'ok', result.message);
    });
  }

  it('gives the plain kernels\' outputs to float32 rounding, in a session of its own', async () => {
    const bytes = convBytes(32, 16);
    const x = tensor('float32', [3, 16, 6, 6], Array.from({ length: 3 * 16 * 36 }, (_, i) => Math.sin(i * 0.71)));
    const w = tensor('float32', [32, 16, 3, 3], Array.from({ length: 32 * 16 * 9 }, (_, i) => Math.cos(i * 0.37) * 0.2));
    const blocked = await RuntimeSession.create(bytes, { cache: false });
    const plain = await RuntimeSession.create(bytes, { cache: false, nchwc: false });
    const a = (await blocked.run({ x, w })).y!.data as Float32Array;
    const b = (await plain.run({ x, w })).y!.data as Float32Array;
    const worst = a.reduce((d, v, i) => Math.max(d, Math.abs(v - b[i]!)), 0);
    assert.ok(worst < 1e-5, `largest difference ${worst}`);
    await blocked.release();
    await plain.release();
  });

  it('trains a 16-filter conv autoencoder (several steps per ONNX Runtime call, in a Loop) as the plain kernels do', async () => {
    const x = Float32Array.from({ length: 96 * 64 }, (_, i) => 0.5 + 0.5 * Math.sin(i * 0.013 + Math.floor(i / 64) * 0.7));
    const losses: number[][] = [];
    const codes: Float32Array[] = [];
    for (const nchwc of [true, false]) {
      // Transposed convolutions in the decoder: the sub-pixel rewrite in training, with its gradients from the plain graph.
      const model = new ConvAutoencoder({ inputShape: [1, 8, 8], encoder: { filters: [16, 16] }, decoder: { upsample: 'transpose' }, latentDim: 4 }).compile({ seed: 5, stepsPerExecution: 3, session: { nchwc } });
      const fit = await model.fit({ x, shape: [96, 1, 8, 8] }, { epochs: 3, batchSize: 16 });
      losses.push(fit.history.map((h) => h.loss));
      codes.push(await model.encode(x.subarray(0, 8 * 64)));
    }
    assert.ok(losses[0]![2]! < losses[0]![0]!, `the loss falls: ${losses[0]}`);
    losses[0]!.forEach((l, i) => assert.ok(Math.abs(l - losses[1]![i]!) <= 1e-4 * Math.abs(l), `epoch ${i + 1}: ${l} blocked vs ${losses[1]![i]} plain`));
    const worst = codes[0]!.reduce((d, v, i) => Math.max(d, Math.abs(v - codes[1]![i]!)), 0);
    assert.ok(worst < 1e-3, `codes differ by ${worst}`);
  });

  it('runs a convolution that two chains share once: an evaluation graph\'s objective and inference part', async () => {
    // The same layers built twice from one input, as buildEvaluation does; ONNX Runtime does not merge
    // the blocked kernels, so the rewrite merges the chains first.
    const g = new Graph();
    const x = g.input('x', ['N', 16, 6, 6]);
    const w = g.param('w', [16, 16, 3, 3]);
    const chain = () => g.reduceSum(g.relu(g.conv2d(g.relu(x), w, { pads: 'same' })));
    const bytes = toOnnx(g, { outputs: { a: chain(), b: chain() } }).bytes;
    const rewritten = rewriteNchwc(bytes, 16)!;
    const nodes = onnxProto.onnx.ModelProto.decode(rewritten).graph!.node!;
    assert.equal(nodes.filter((n) => n.opType === 'Conv').length, 1, nodes.map((n) => n.opType).join(' '));
    const session = await RuntimeSession.create(bytes, { cache: false });
    const out = await session.run({ x: tensor('float32', [2, 16, 6, 6], Array.from({ length: 1152 }, (_, i) => Math.sin(i))), w: tensor('float32', [16, 16, 3, 3], Array.from({ length: 2304 }, (_, i) => Math.cos(i) * 0.1)) });
    assert.equal(out.a!.data[0], out.b!.data[0], 'both graph outputs kept, with the same value');
    await session.release();
  });

  it('never merges two draws of random numbers', () => {
    const g = new Graph();
    const x = g.input('x', [4]);
    const bytes = toOnnx(g, { outputs: { a: g.randomNormalLike(x), b: g.randomNormalLike(x), c: g.relu(x), d: g.relu(x) } }).bytes;
    const graph = onnxProto.onnx.ModelProto.decode(bytes).graph!;
    mergeCommonSubexpressions(graph);
    const ops = graph.node!.map((n) => n.opType);
    assert.equal(ops.filter((o) => o === 'RandomNormalLike').length, 2, ops.join(' '));
    assert.equal(ops.filter((o) => o === 'Relu').length, 1, ops.join(' '));
    assert.deepEqual(graph.output!.map((o) => o.name), ['a', 'b', 'c', 'd']);
    assert.ok(graph.node!.some((n) => n.opType === 'Identity' && n.output![0] === 'd'), 'the merged graph output becomes a copy');
  });

  it('keys the optimized-model cache by the rewrite and block', () => {
    const parts = { ortVersion: '1.30.0', optimization: 'extended', providers: ['cpu'] };
    const plain = cacheFileFor('/c', convBytes(16, 16), parts);
    assert.notEqual(cacheFileFor('/c', convBytes(16, 16), { ...parts, nchwc: '1/16' }), plain);
    assert.notEqual(cacheFileFor('/c', convBytes(16, 16), { ...parts, nchwc: '1/16' }), cacheFileFor('/c', convBytes(16, 16), { ...parts, nchwc: '1/8' }));
  });
});
