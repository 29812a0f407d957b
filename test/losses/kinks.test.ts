/**
 * Gradients at the points where a formula has a kink (z = 0 for relu, |z|,
 * sign; the bounds of a clip). The expected values are PyTorch's conventions,
 * written out by hand in float64; BCE with logits must have the smooth
 * derivative σ(z) − t everywhere, z = 0 included.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, type Value, grad } from '../../src/index.js';
import { binaryCrossEntropyWithLogits, mae } from '../../src/losses/index.js';
import { close, evaluate, sigmoid } from './helpers.js';

/** d(Σ f(x))/dx at the given points, through ONNX Runtime, in `dtype`. */
async function derivative(f: (g: Graph, x: Value) => Value, xs: number[], dtype: 'float32' | 'float64'): Promise<number[]> {
  const g = new Graph();
  const x = g.input('x', [xs.length], dtype);
  const [dx] = grad(g, g.reduceSum(f(g, x)), [x]);
  return (await evaluate(g, { dx: dx! }, { x: { shape: [xs.length], values: xs } }, dtype)).dx!;
}

describe('binary cross-entropy with logits at and near z = 0', () => {
  // Exactly 0, both signed zeros, and points on either side down to the smallest subnormals.
  const z = [0, -0, 1e-45, -1e-45, 1e-30, -1e-30, 1e-7, -1e-7, 1e-3, -1e-3, 0, 0];
  const t = [0, 0.3, 1, 0, 0.5, 1, 0.25, 0.75, 1, 0, 1, 0.5];

  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype}: the gradient is σ(z) − t, 0.5 − t at z = 0`, async () => {
      const g = new Graph();
      const zi = g.input('z', [2, 6], dtype);
      const ti = g.input('t', [2, 6], dtype);
      const loss = binaryCrossEntropyWithLogits(zi, ti);
      const [dz] = grad(g, g.reduceSum(loss.samples), [zi]);
      const out = await evaluate(g, { dz: dz!, n: loss.samples }, { z: { shape: [2, 6], values: z }, t: { shape: [2, 6], values: t } }, dtype);
      const zf = dtype === 'float32' ? z.map(Math.fround) : z;
      close(out.dz, zf.map((v, i) => sigmoid(v) - t[i]!), dtype === 'float32' ? 1e-7 : 1e-15);
      // The loss itself is unchanged: log 2 at z = 0 whatever the target.
      const ell = zf.map((v, i) => Math.max(v, 0) - v * t[i]! + Math.log1p(Math.exp(-Math.abs(v))));
      close(out.n, [ell.slice(0, 6), ell.slice(6)].map((r) => r.reduce((a, b) => a + b, 0)), dtype === 'float32' ? 1e-6 : 1e-15);
    });
  }

  it('gives the output bias of a model fed blank inputs (logits exactly 0) the full gradient mean(0.5 − t)', async () => {
    // A dense output layer with zero-initialized bias over all-zero inputs: every logit is 0.
    const g = new Graph();
    const x = g.input('x', ['N', 3]);
    const w = g.input('w', [3, 4]);
    const b = g.input('b', [4]);
    const target = g.input('t', ['N', 4]);
    const loss = binaryCrossEntropyWithLogits(g.gemm(x, w, b), target).perElement;
    const [db] = grad(g, loss, [b]);
    const tv = [0, 0, 1, 0.2, 0, 1, 1, 0.6];
    const out = await evaluate(g, { db: db! }, {
      x: { shape: [2, 3], values: new Array(6).fill(0) },
      w: { shape: [3, 4], values: [0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, 0.9, 1, -1.1, 1.2] },
      b: { shape: [4], values: [0, 0, 0, 0] },
      t: { shape: [2, 4], values: tv },
    }, 'float32');
    close(out.db, [0, 1, 2, 3].map((j) => ((0.5 - tv[j]!) + (0.5 - tv[4 + j]!)) / 8), 1e-7);
  });
});

describe('gradient conventions at kinks (PyTorch autograd)', () => {
  const at = [-1, -0, 0, 1];
  for (const dtype of ['float64', 'float32'] as const) {
    it(`${dtype}: relu'(0) = 0, |x|'(0) = 0, leakyRelu'(0) = α, elu'(0) = α`, async () => {
      close(await derivative((g, x) => g.relu(x), at, dtype), [0, 0, 0, 1], 0);
      close(await derivative((g, x) => g.abs(x), at, dtype), [-1, 0, 0, 1], 0);
      close(await derivative((g, x) => g.leakyRelu(x, 0.25), at, dtype), [0.25, 0.25, 0.25, 1], 0);
      close(await derivative((g, x) => g.elu(x, 0.5), at, dtype), [0.5 * Math.exp(-1), 0.5, 0.5, 1], 1e-7);
    });

    it(`${dtype}: clip passes the gradient at its bounds, stops it outside`, async () => {
      close(await derivative((g, x) => g.clip(x, -0.5, 0.5), [-1, -0.5, 0, 0.5, 1], dtype), [0, 1, 1, 1, 0], 0);
    });

    it(`${dtype}: mae has gradient 0 where prediction equals target (sign(0) = 0)`, async () => {
      const g = new Graph();
      const p = g.input('p', ['N', 3], dtype);
      const t = g.input('t', ['N', 3], dtype);
      const [dp] = grad(g, mae(p, t).perSample, [p]);
      const out = await evaluate(g, { dp: dp! }, { p: { shape: [1, 3], values: [1, 2, 3] }, t: { shape: [1, 3], values: [0, 2, 4] } }, dtype);
      close(out.dp, [1, 0, -1], 0);
    });
  }
});
