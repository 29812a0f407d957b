import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconstructionMetrics } from '../../src/eval/reconstruction.js';

test('reconstructionMetrics: per-value MSE, clipped BCE, PSNR from the pooled MSE', () => {
  const m = reconstructionMetrics(Float32Array.of(0, 1, 0.5, 1), Float32Array.of(0, 0.5, 0.5, 1));
  assert.ok(Math.abs(m.mse - 0.0625) < 1e-12);
  assert.ok(Math.abs(m.psnr - 10 * Math.log10(16)) < 1e-9);
  const clip = 1e-7;
  const expected = (-Math.log(1 - clip) - Math.log(0.5) - Math.log(0.5) - Math.log(1 - clip)) / 4;
  assert.ok(Math.abs(m.bce - expected) < 1e-9, `${m.bce} vs ${expected}`);
  assert.throws(() => reconstructionMetrics(new Float32Array(2), new Float32Array(3)), /3 reconstructed values for 2 inputs/);
});

test('reconstructionMetrics equals the float64 sum of both cross-entropy terms for every value, exactly', () => {
  // Mostly exact 0s and 1s (where one term has weight 0 and its logarithm is skipped),
  // some grey values, and predictions inside, at and beyond the clipping bounds.
  const n = 5000;
  const x = new Float32Array(n);
  const rec = new Float32Array(n);
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < n; i++) {
    const u = next();
    x[i] = u < 0.7 ? 0 : u < 0.8 ? 1 : Math.round(next() * 255) / 255;
    const v = next();
    rec[i] = v < 0.05 ? 0 : v < 0.1 ? 1 : v < 0.12 ? -0.5 : v < 0.14 ? 1.5 : next();
  }
  let se = 0;
  let ce = 0;
  for (let i = 0; i < n; i++) {
    const t = x[i]!;
    const p = Math.min(1 - 1e-7, Math.max(1e-7, rec[i]!));
    se += (t - rec[i]!) ** 2;
    ce -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
  }
  const m = reconstructionMetrics(x, rec);
  assert.equal(m.mse, se / n);
  assert.equal(m.bce, ce / n);
  assert.equal(m.psnr, 10 * Math.log10(1 / (se / n)));
});

test('reconstructionMetrics: a NaN reconstruction makes MSE and BCE NaN, also where the input is 0 or 1', () => {
  for (const t of [0, 1, 0.5]) {
    const m = reconstructionMetrics(Float32Array.of(t, 0.25), Float32Array.of(Number.NaN, 0.25));
    assert.ok(Number.isNaN(m.mse) && Number.isNaN(m.bce), `input ${t}: ${JSON.stringify(m)}`);
  }
});
