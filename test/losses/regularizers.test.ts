import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph } from '../../src/index.js';
import {
  contractivePenalty,
  contractivePenaltySigmoidDense,
  klSparsityPenalty,
  l1ActivityPenalty,
  l1Penalty,
  l2Penalty,
} from '../../src/losses/index.js';
import { close, evaluate, mean, sigmoid, sum } from './helpers.js';

describe('weight and activity penalties', () => {
  it('l1 and l2 weight penalties sum over every given weight times the coefficient', async () => {
    const g = new Graph();
    const w1 = g.param('w1', [2, 2], 'float64');
    const w2 = g.param('w2', [2], 'float64');
    const out = await evaluate(g, { l1: l1Penalty([w1, w2], 0.1), l2: l2Penalty([w1, w2], 0.1), l2one: l2Penalty([w2], 1) }, {
      w1: { shape: [2, 2], values: [1, -2, 0.5, 0] },
      w2: { shape: [2], values: [3, -1] },
    });
    close(out.l1, [0.1 * (1 + 2 + 0.5 + 0 + 3 + 1)]);
    close(out.l2, [0.1 * (1 + 4 + 0.25 + 0 + 9 + 1)]);
    close(out.l2one, [10]);
    assert.throws(() => l1Penalty([], 0.1), /no weights/);
  });

  it('l1 activity penalty is the coefficient times the batch mean of per-sample L1 norms', async () => {
    const g = new Graph();
    const h = g.input('h', ['N', 3], 'float64');
    const out = await evaluate(g, { p: l1ActivityPenalty(h, 0.5) }, { h: { shape: [2, 3], values: [1, -2, 0, 0.5, 0.5, -1] } });
    close(out.p, [0.5 * ((1 + 2 + 0) + (0.5 + 0.5 + 1)) / 2]);
  });
});

describe('klSparsityPenalty', () => {
  const kl = (rho: number, q: number) => rho * Math.log(rho / q) + (1 - rho) * Math.log((1 - rho) / (1 - q));

  it('is beta times the Bernoulli KL between rho and each unit’s mean activation', async () => {
    const g = new Graph();
    const h = g.input('h', ['N', 2], 'float64');
    const out = await evaluate(g, { p: klSparsityPenalty(h, { rho: 0.2, beta: 3 }) }, { h: { shape: [2, 2], values: [0.1, 0.6, 0.3, 0.2] } });
    // ρ̂ = [0.2, 0.4]: unit 0 is on target and costs nothing.
    close(out.p, [3 * (0 + (0.2 * Math.log(0.2 / 0.4) + 0.8 * Math.log(0.8 / 0.6)))]);
  });

  it('is zero on target, and clips mean activations of 0 and 1 so it stays finite', async () => {
    const g = new Graph();
    const h = g.input('h', ['N', 3], 'float64');
    const out = await evaluate(g, { p: klSparsityPenalty(h, { rho: 0.05 }) }, { h: { shape: [2, 3], values: [0.05, 0, 1, 0.05, 0, 1] } });
    const eps = 1e-7;
    close(out.p, [0 + kl(0.05, eps) + kl(0.05, 1 - eps)], 1e-9);
    assert.ok(Number.isFinite(out.p![0]!));
    assert.throws(() => klSparsityPenalty(h, { rho: 1 }), /rho must be in \(0, 1\)/);
  });
});

describe('contractive penalty', () => {
  // A dense encoder h = act(xW + b) on two samples; W is [3, 2].
  const xv = [0.5, -1, 2, 0.1, 0.3, -0.7];
  const wv = [0.2, -0.4, 0.7, 0.1, -0.3, 0.5];
  const bv = [0.05, -0.1];
  const feeds = { x: { shape: [2, 3], values: xv }, w: { shape: [3, 2], values: wv }, b: { shape: [2], values: bv } };
  /** Plain-TS ‖∂h/∂x‖²_F per sample for h = act(xW + b), given act'(pre). */
  const expected = (slope: (pre: number) => number) =>
    [0, 1].map((n) => {
      let total = 0;
      for (let j = 0; j < 2; j++) {
        const pre = sum([0, 1, 2].map((i) => xv[n * 3 + i]! * wv[i * 2 + j]!)) + bv[j]!;
        for (let i = 0; i < 3; i++) total += (slope(pre) * wv[i * 2 + j]!) ** 2;
      }
      return total;
    });

  const build = (act: 'sigmoid' | 'tanh') => {
    const g = new Graph();
    const x = g.input('x', ['N', 3], 'float64');
    const w = g.param('w', [3, 2], 'float64');
    const b = g.param('b', [2], 'float64');
    const pre = g.add(g.matmul(x, w), b);
    return { g, x, w, h: act === 'sigmoid' ? g.sigmoid(pre) : g.tanh(pre) };
  };

  it('double backprop and the closed form agree for a dense sigmoid layer, and match hand-computed values', async () => {
    const { g, x, w, h } = build('sigmoid');
    const out = await evaluate(g, { general: contractivePenalty(h, x), closed: contractivePenaltySigmoidDense(h, w), scaled: contractivePenalty(h, x, 0.1) }, feeds);
    const want = mean(expected((pre) => sigmoid(pre) * (1 - sigmoid(pre))));
    close(out.general, [want], 1e-12);
    close(out.closed, [want], 1e-12);
    close(out.scaled, [0.1 * want], 1e-12);
  });

  it('double backprop handles other encoders (tanh) and codes of higher rank', async () => {
    const { g, x, h } = build('tanh');
    const h3 = g.reshape(h, ['N', 1, 2]);
    const out = await evaluate(g, { p: contractivePenalty(h, x), p3: contractivePenalty(h3, x) }, feeds);
    const want = mean(expected((pre) => 1 - Math.tanh(pre) ** 2));
    close(out.p, [want], 1e-12);
    close(out.p3, [want], 1e-12);
  });

  it('is zero for a code that does not depend on the input', async () => {
    const g = new Graph();
    const x = g.input('x', ['N', 3], 'float64');
    const c = g.param('c', [1, 2], 'float64');
    const h = g.add(g.mul(g.reduceSum(x, [1], true), 0), c);
    const out = await evaluate(g, { p: contractivePenalty(h, x) }, { x: { shape: [2, 3], values: xv }, c: { shape: [1, 2], values: [1, 2] } });
    close(out.p, [0]);
  });
});
