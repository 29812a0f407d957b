import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, checkCase, grad } from '../../src/index.js';
import { uniformityPenalty } from '../../src/losses/index.js';
import { close, evaluate } from './helpers.js';

/** Plain float64 reference: λ · log( mean over i ≠ j of exp(−t ‖ẑᵢ − ẑⱼ‖²) ), ẑ = h/√(‖h‖² + ε). */
function reference(h: number[], n: number, coefficient: number, t = 2, epsilon = 1e-12): number {
  const k = h.length / n;
  const z = Array.from({ length: n }, (_, i) => {
    const row = h.slice(i * k, (i + 1) * k);
    const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0) + epsilon);
    return row.map((v) => v / norm);
  });
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      let d = 0;
      for (let c = 0; c < k; c++) d += (z[i]![c]! - z[j]![c]!) ** 2;
      total += Math.exp(-t * d);
    }
  }
  return coefficient * Math.log(total / (n * (n - 1)));
}

/** Central differences of the reference in every element of h. */
function referenceGradient(h: number[], n: number, coefficient: number, t?: number): number[] {
  const step = 1e-6;
  return h.map((_, i) => {
    const up = h.slice();
    const down = h.slice();
    up[i] = up[i]! + step;
    down[i] = down[i]! - step;
    return (reference(up, n, coefficient, t) - reference(down, n, coefficient, t)) / (2 * step);
  });
}

const codes = [0.9, -0.2, 0.3, 1.5, -0.7, -0.4, 0.05, 0.6, -1.1, 0.8, 0.2, -0.3];

describe('uniformityPenalty (contrastive regularizer)', () => {
  it('matches the float64 reference in value and gradient', async () => {
    for (const [n, k, t, lambda] of [[4, 3, 2, 0.5], [6, 2, 1, 1], [3, 4, 0.5, 2]] as const) {
      const g = new Graph();
      const h = g.input('h', ['N', k], 'float64');
      const loss = uniformityPenalty(h, lambda, { t });
      const [dh] = grad(g, loss, [h]);
      const values = codes.slice(0, n * k);
      const out = await evaluate(g, { loss, dh: dh! }, { h: { shape: [n, k], values } });
      close(out.loss, [reference(values, n, lambda, t)], 1e-12);
      close(out.dh, referenceGradient(values, n, lambda, t), 1e-7);
    }
  });

  it('passes the finite-difference gradient check through ONNX Runtime', async () => {
    const r = await checkCase({
      op: 'uniformityPenalty', label: 'uniformity penalty', dtype: 'float64',
      inputs: [{ shape: [5, 3], symbolicBatch: true }],
      build: (_g, [h]) => uniformityPenalty(h!, 0.7, { t: 1.5 }),
    });
    assert.equal(r.gradient, 'ok', r.message);
    assert.ok(r.gradError < 1e-5, `scaled error ${r.gradError}`);
  });

  it('flattens codes of rank > 2 and ignores their norms', async () => {
    const g = new Graph();
    const h = g.input('h', ['N', 2, 2], 'float64');
    const loss = uniformityPenalty(h, 1);
    const values = codes.slice(0, 12);
    const out = await evaluate(g, { loss }, { h: { shape: [3, 2, 2], values } });
    close(out.loss, [reference(values, 3, 1)], 1e-12);
    // Scaling one sample's code leaves its direction, so the term, unchanged.
    const scaledValues = values.map((v, i) => (i < 4 ? 7 * v : v));
    const again = await evaluate(g, { loss }, { h: { shape: [3, 2, 2], values: scaledValues } });
    close(again.loss, out.loss!, 1e-12);
  });

  it('is 0 for collapsed codes and −4t for two opposite codes', async () => {
    const g = new Graph();
    const h = g.input('h', ['N', 2], 'float64');
    const loss = uniformityPenalty(h, 1, { t: 2 });
    const same = await evaluate(g, { loss }, { h: { shape: [3, 2], values: [1, 1, 2, 2, 0.5, 0.5] } });
    close(same.loss, [0], 1e-12);
    const opposite = await evaluate(g, { loss }, { h: { shape: [2, 2], values: [1, 0, -3, 0] } });
    close(opposite.loss, [-8], 1e-12);
  });

  it('gives a one-sample batch the constant −4t with a zero gradient, not NaN', async () => {
    const g = new Graph();
    const h = g.input('h', ['N', 3], 'float32');
    const loss = uniformityPenalty(h, 0.5, { t: 2 });
    const [dh] = grad(g, loss, [h]);
    const out = await evaluate(g, { loss, dh: dh! }, { h: { shape: [1, 3], values: [0.3, -0.2, 0.9] } }, 'float32');
    close(out.loss, [0.5 * -8], 1e-6);
    assert.deepEqual(out.dh, [0, 0, 0]);
  });

  it('in float32 stays within 1e-5 of the float64 value on a batch of 256', async () => {
    const n = 256;
    const k = 10;
    let s = 12345;
    const values = Array.from({ length: n * k }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5);
    const g = new Graph();
    const h = g.input('h', ['N', k], 'float32');
    const out = await evaluate(g, { loss: uniformityPenalty(h, 1) }, { h: { shape: [n, k], values } }, 'float32');
    close(out.loss, [reference(values, n, 1)], 1e-5);
  });

  it('rejects a bad t or a code without a code axis', () => {
    const g = new Graph();
    assert.throws(() => uniformityPenalty(g.input('h', ['N', 2]), 1, { t: 0 }), /t must be a positive number, got 0/);
    assert.throws(() => uniformityPenalty(g.input('v', ['N']), 1), /at least one code axis/);
  });
});
