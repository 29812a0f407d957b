import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, grad } from '../../src/index.js';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, klDivergenceGaussian, mae, mse } from '../../src/losses/index.js';
import { close, evaluate, mean, sigmoid, sum } from './helpers.js';

const terms = (t: { perElement: unknown; perSample: unknown; samples: unknown }) => t as Record<'perElement' | 'perSample' | 'samples', never>;

describe('reconstruction losses', () => {
  it('mse and mae: per-element mean, per-sample sums and their batch mean', async () => {
    const g = new Graph();
    const p = g.input('p', ['N', 3], 'float64');
    const t = g.input('t', ['N', 3], 'float64');
    const sq = mse(p, t);
    const ab = mae(p, t);
    assert.deepEqual(sq.samples.shape, ['N']);
    assert.deepEqual(sq.perSample.shape, []);
    assert.deepEqual(sq.perElement.shape, []);
    const out = await evaluate(g, { mseE: sq.perElement, mseS: sq.perSample, mseN: sq.samples, maeE: ab.perElement, maeS: ab.perSample, maeN: ab.samples }, {
      p: { shape: [2, 3], values: [1, 2, 3, 0, -1, 0.5] },
      t: { shape: [2, 3], values: [0, 2, 5, 1, 1, 0.5] },
    });
    // differences: [1, 0, -2], [-1, -2, 0]
    close(out.mseN, [1 + 0 + 4, 1 + 4 + 0]);
    close(out.mseS, [5]);
    close(out.mseE, [10 / 6]);
    close(out.maeN, [1 + 0 + 2, 1 + 2 + 0]);
    close(out.maeS, [3]);
    close(out.maeE, [1]);
  });

  it('averages over a symbolic batch of any size (no static batch division)', async () => {
    const g = new Graph();
    const p = g.input('p', ['N', 2, 2], 'float64');
    const t = g.input('t', ['N', 2, 2], 'float64');
    const l = mse(p, t);
    const out = await evaluate(g, { e: l.perElement, s: l.perSample, n: l.samples }, {
      p: { shape: [3, 2, 2], values: [1, 1, 1, 1, 2, 0, 0, 0, 0, 0, 0, 3] },
      t: { shape: [3, 2, 2], values: new Array(12).fill(0) },
    });
    close(out.n, [4, 4, 9]);
    close(out.s, [17 / 3]);
    close(out.e, [17 / 12]);
  });

  it('binary cross-entropy from probabilities, clipped to [1e-7, 1 - 1e-7]', async () => {
    const g = new Graph();
    const p = g.input('p', ['N', 3], 'float64');
    const t = g.input('t', ['N', 3], 'float64');
    const l = binaryCrossEntropy(p, t);
    const out = await evaluate(g, terms(l), {
      p: { shape: [2, 3], values: [0.9, 0.2, 0.5, 1, 0, 0.25] },
      t: { shape: [2, 3], values: [1, 0, 0.3, 1, 1, 0] },
    });
    const row0 = [-Math.log(0.9), -Math.log(0.8), -(0.3 * Math.log(0.5) + 0.7 * Math.log(0.5))];
    const row1 = [-Math.log(1 - 1e-7), -Math.log(1e-7), -Math.log(0.75)];
    close(out.samples, [sum(row0), sum(row1)]);
    close(out.perSample, [(sum(row0) + sum(row1)) / 2]);
    close(out.perElement, [mean([...row0, ...row1])]);
    assert.ok(Math.abs(out.samples![1]! - (16.11809565 + 1e-7 + 0.28768207)) < 1e-6);
  });

  it('binary cross-entropy with logits equals BCE of sigmoid(z) and the textbook formula', async () => {
    const z = [-3, -0.5, 0, 1.2, 4, 2.5];
    const tv = [0, 1, 0.3, 1, 0, 0.6];
    const g = new Graph();
    const zi = g.input('z', ['N', 3], 'float64');
    const t = g.input('t', ['N', 3], 'float64');
    const a = binaryCrossEntropyWithLogits(zi, t);
    const b = binaryCrossEntropy(g.sigmoid(zi), t);
    const out = await evaluate(g, { a: a.samples, b: b.samples, ae: a.perElement, as: a.perSample }, { z: { shape: [2, 3], values: z }, t: { shape: [2, 3], values: tv } });
    const ell = z.map((zz, i) => -(tv[i]! * Math.log(sigmoid(zz)) + (1 - tv[i]!) * Math.log(1 - sigmoid(zz))));
    const expected = [sum(ell.slice(0, 3)), sum(ell.slice(3))];
    close(out.a, expected, 1e-12);
    close(out.b, expected, 1e-12);
    close(out.ae, [mean(ell)], 1e-12);
    close(out.as, [mean(expected)], 1e-12);
  });

  it('binary cross-entropy with logits stays finite, with gradient sigmoid(z) - t, at |z| = 100', async () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const g = new Graph();
      const z = g.input('z', [4, 1], dtype);
      const t = g.input('t', [4, 1], dtype);
      const l = binaryCrossEntropyWithLogits(z, t);
      const [dz] = grad(g, g.reduceSum(l.samples), [z]);
      const out = await evaluate(g, { n: l.samples, dz: dz! }, { z: { shape: [4, 1], values: [100, -100, 100, -100] }, t: { shape: [4, 1], values: [1, 1, 0, 0] } }, dtype);
      for (const v of [...out.n!, ...out.dz!]) assert.ok(Number.isFinite(v), `${dtype}: ${v} is not finite`);
      // ℓ(100, 1) = log(1 + e^-100) ≈ 3.7e-44; ℓ(-100, 1) = ℓ(100, 0) = 100 + log(1 + e^-100)
      close(out.n, [0, 100, 100, 0], 1e-6);
      close(out.dz, [sigmoid(100) - 1, sigmoid(-100) - 1, sigmoid(100), sigmoid(-100)], 1e-6);
    }
  });
});

describe('klDivergenceGaussian', () => {
  it('is zero for mu = 0, logVar = 0', async () => {
    const g = new Graph();
    const mu = g.input('mu', ['N', 3], 'float64');
    const lv = g.input('lv', ['N', 3], 'float64');
    const out = await evaluate(g, terms(klDivergenceGaussian(mu, lv)), { mu: { shape: [2, 3], values: new Array(6).fill(0) }, lv: { shape: [2, 3], values: new Array(6).fill(0) } });
    close(out.samples, [0, 0]);
    close(out.perSample, [0]);
    close(out.perElement, [0]);
  });

  it('matches -1/2 sum(1 + logVar - mu^2 - exp(logVar)) per sample', async () => {
    const g = new Graph();
    const mu = g.input('mu', ['N', 2], 'float64');
    const lv = g.input('lv', ['N', 2], 'float64');
    const out = await evaluate(g, terms(klDivergenceGaussian(mu, lv)), {
      mu: { shape: [2, 2], values: [1, -2, 0, 0.5] },
      lv: { shape: [2, 2], values: [0.5, -1, 0, 2] },
    });
    const k0 = -0.5 * (1 + 0.5 - 1 - Math.exp(0.5)) + -0.5 * (1 - 1 - 4 - Math.exp(-1));
    const k1 = -0.5 * (1 + 0 - 0 - 1) + -0.5 * (1 + 2 - 0.25 - Math.exp(2));
    close(out.samples, [k0, k1]);
    close(out.perSample, [(k0 + k1) / 2]);
    close(out.perElement, [(k0 + k1) / 4]);
    // KL of a unit-variance Gaussian shifted by mu is mu²/2 per unit: 1/2 + 2 for sample 0's means alone.
    assert.ok(k0 > 2.5);
  });

  it('rejects mismatched shapes', () => {
    const g = new Graph();
    assert.throws(() => klDivergenceGaussian(g.input('mu', ['N', 2]), g.input('lv', ['N', 3])), /shapes differ/);
    assert.throws(() => mse(g.input('a', [2, 2]), g.input('b', [2, 2], 'float64')), /dtypes differ/);
  });
});
