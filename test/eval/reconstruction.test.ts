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
