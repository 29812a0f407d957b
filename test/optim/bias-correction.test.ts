/**
 * One Adam/AdamW step at a time against a float64 reference, to float32
 * precision: the bias corrections 1 − βᵗ cancel badly when formed in float32
 * (β₂ = 0.999 rounds to 0.99900001287, so 1 − β₂ comes out 1.3e-5 too small),
 * which made early updates 4e-6 to 1e-5 relatively too small. Each step feeds
 * the graph the reference's own state, so only that step's rounding counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph } from '../../src/graph/graph.js';
import { tensor } from '../../src/graph/types.js';
import { compile } from '../../src/onnx/compile.js';
import { Adam, AdamW } from '../../src/optim/optimizers.js';

const f32 = Math.fround;

interface AdamCase {
  name: string;
  optimizer: Adam;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

const cases: AdamCase[] = [
  { name: 'Adam, PyTorch defaults', optimizer: new Adam({ learningRate: 1e-3 }), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
  { name: 'Adam, beta2 0.9999', optimizer: new Adam({ learningRate: 0.01, beta1: 0.8, beta2: 0.9999 }), lr: 0.01, beta1: 0.8, beta2: 0.9999, eps: 1e-8, weightDecay: 0 },
  { name: 'AdamW, PyTorch defaults', optimizer: new AdamW({ learningRate: 1e-3 }), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
];

describe('Adam bias corrections are exact (float64 reference, one step at a time)', () => {
  for (const c of cases) {
    it(`${c.name}: every update is within float32 rounding of the reference at steps 1 to 1e7`, async () => {
      const g = new Graph();
      const n = 6;
      const param = g.input('p', [n]);
      const gradient = g.input('g', [n]);
      const slots = { m: g.input('m', [n]), v: g.input('v', [n]) };
      const lr = g.input('lr', []);
      const step = g.input('t', []);
      const out = c.optimizer.update(g, { param, grad: gradient, slots, lr, step });
      const model = await compile(g, { newP: out.param, newM: out.slots.m!, newV: out.slots.v! });
      try {
        // Parameters far smaller than the update, so that float32 resolves the
        // update itself (the rounding of p − update is relative to |p − update|).
        const p = [0, 1e-7, -2e-7, 0, 3e-8, -1e-9];
        const grads = [0.3, -0.02, 1.5, 4e-4, -7, 1e-6];
        for (const t of [1, 2, 3, 5, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7]) {
          // Moment estimates as they would stand after t steps of a constant gradient.
          const m = grads.map((gr) => f32(gr * (1 - c.beta1 ** t)));
          const v = grads.map((gr) => f32(gr * gr * (1 - c.beta2 ** t) * 0.9));
          const res = await model.run({
            p: tensor('float32', [n], p), g: tensor('float32', [n], grads), m: tensor('float32', [n], m), v: tensor('float32', [n], v),
            lr: tensor('float32', [], [c.lr]), t: tensor('float32', [], [t]),
          });
          const got = Array.from(res.newP!.data as Float32Array);
          p.forEach((p0, i) => {
            // The float64 reference from the float32 inputs the graph saw.
            const lr32 = f32(c.lr);
            const decayed = p0 * (1 - lr32 * c.weightDecay);
            const mi = c.beta1 * m[i]! + (1 - c.beta1) * grads[i]!;
            const vi = c.beta2 * v[i]! + (1 - c.beta2) * grads[i]! ** 2;
            const update = (lr32 / (1 - c.beta1 ** t)) * mi / (Math.sqrt(vi / (1 - c.beta2 ** t)) + c.eps);
            const expected = decayed - update;
            // A handful of float32 roundings: 1e-6 relative.
            const tol = 1e-6 * Math.abs(expected);
            assert.ok(Math.abs(got[i]! - expected) <= tol,
              `step ${t} [${i}]: update ${p0 - got[i]!} vs ${p0 - expected} (relative error ${((p0 - got[i]! - (p0 - expected)) / (p0 - expected)).toExponential(2)})`);
          });
        }
      } finally {
        await model.release();
      }
    });
  }
});
