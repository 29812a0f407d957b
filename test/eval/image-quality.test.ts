import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SSIM_DEFAULTS, gaussianTaps, imageQuality, meanSquaredError, psnrOf, ssim, ssimPerImage } from '../../src/eval/image-quality.js';

/** A deterministic generator for test data (mulberry32). */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const C1 = (0.01 * 1) ** 2;
const C2 = (0.03 * 1) ** 2;
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** SSIM by the definition: a full 2-D Gaussian window at each valid position, no separability, float64. */
function ssimReference(x: Float32Array, y: Float32Array, h: number, w: number): number {
  const r = 5;
  const win: number[][] = [];
  let total = 0;
  for (let a = -r; a <= r; a++) {
    const rowW: number[] = [];
    for (let b = -r; b <= r; b++) {
      const v = Math.exp(-(a * a + b * b) / (2 * 1.5 * 1.5));
      rowW.push(v);
      total += v;
    }
    win.push(rowW);
  }
  let sum = 0;
  let count = 0;
  for (let cy = r; cy < h - r; cy++) {
    for (let cx = r; cx < w - r; cx++) {
      let mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
      for (let a = -r; a <= r; a++) {
        for (let b = -r; b <= r; b++) {
          const wt = win[a + r]![b + r]! / total;
          const u = x[(cy + a) * w + cx + b]!;
          const v = y[(cy + a) * w + cx + b]!;
          mx += wt * u; my += wt * v; xx += wt * u * u; yy += wt * v * v; xy += wt * u * v;
        }
      }
      const vx = xx - mx * mx, vy = yy - my * my, cxy = xy - mx * my;
      sum += ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      count++;
    }
  }
  return sum / count;
}

describe('SSIM', () => {
  it('documents the standard constants', () => {
    assert.deepEqual({ ...SSIM_DEFAULTS }, { windowSize: 11, sigma: 1.5, k1: 0.01, k2: 0.03, dynamicRange: 1 });
    const taps = gaussianTaps(11, 1.5);
    close(taps.reduce((a, b) => a + b, 0), 1, 1e-15, 'taps sum');
    close(taps[5]! / taps[4]!, Math.exp(1 / 4.5), 1e-12, 'tap ratio');
  });

  it('is 1 for an image with itself', () => {
    const next = rng(1);
    const x = Float32Array.from({ length: 3 * 784 }, next);
    const per = ssimPerImage({ x, shape: [3, 784] }, { x, shape: [3, 28, 28] });
    for (const v of per) close(v, 1, 1e-12, 'self');
    close(ssim({ x, shape: [3, 1, 28, 28] }, { x, shape: [3, 1, 28, 28] }), 1, 1e-12, 'mean');
  });

  it('matches the closed form for two constant images: (2ab + C1) / (a² + b² + C1)', () => {
    const a = 0.2;
    const b = 0.6;
    const x = new Float32Array(14 * 14).fill(a);
    const y = new Float32Array(14 * 14).fill(b);
    const fa = Math.fround(a);
    const fb = Math.fround(b);
    const expected = (2 * fa * fb + C1) / (fa * fa + fb * fb + C1); // the variances are 0, so the second factor is C2 / C2
    close(ssim({ x, shape: [1, 14, 14] }, { x: y, shape: [1, 14, 14] }), expected, 1e-12, 'constants');
    close(expected, 0.2401 / 0.4001, 1e-7, 'hand value');
  });

  it('matches a hand-computed case: one bright pixel, shifted by c', () => {
    // An 11×11 image has one window position. With x = δ at the centre, the
    // weighted mean and mean square are both the centre weight t0², so
    // σx² = t0² − t0⁴; y = x + c has μy = μx + c and the same variance and
    // covariance, so SSIM reduces to the luminance term.
    let s = 0;
    for (let i = -5; i <= 5; i++) s += Math.exp(-(i * i) / 4.5);
    const wc = (1 / s) ** 2;
    const c = 0.25;
    const x = new Float32Array(121);
    x[60] = 1;
    const y = x.map((v) => v + c);
    const mx = wc;
    const expected = (2 * mx * (mx + c) + C1) / (mx * mx + (mx + c) ** 2 + C1);
    close(ssim({ x, shape: [1, 11, 11] }, { x: y, shape: [1, 11, 11] }), expected, 1e-9, 'shifted delta');
    assert.ok(expected < 0.5, `the shift dominates a faint mean: ${expected}`);
  });

  it('agrees with a direct 2-D evaluation of the definition on random images', () => {
    const next = rng(7);
    const x = Float32Array.from({ length: 20 * 17 }, next);
    const y = x.map((v) => Math.min(1, Math.max(0, v + 0.3 * (next() - 0.5))));
    close(ssim({ x, shape: [1, 20, 17] }, { x: y, shape: [1, 20, 17] }), ssimReference(x, y, 20, 17), 1e-10, 'reference');
  });

  it('rejects mismatched sets, images smaller than the window and bad options, naming them', () => {
    const x = new Float32Array(2 * 784);
    assert.throws(() => ssim({ x, shape: [2, 784] }, { x: new Float32Array(784), shape: [1, 784] }), /x holds 2 images of 28×28, the reference 1 of 28×28/);
    assert.throws(() => ssim({ x: new Float32Array(100), shape: [1, 10, 10] }, { x: new Float32Array(100), shape: [1, 10, 10] }), /smaller than the 11×11 window/);
    assert.throws(() => ssim({ x, shape: [2, 780] }, { x, shape: [2, 780] }), /780 values are not square/);
    assert.throws(() => ssim({ x, shape: [2, 3, 28, 28] }, { x, shape: [2, 3, 28, 28] }), /gray images/);
    assert.throws(() => ssim({ x, shape: [2, 784] }, { x, shape: [2, 784] }, { windowSize: 4 }), /windowSize must be an odd positive integer/);
    assert.throws(() => ssim({ x, shape: [2, 784] }, { x, shape: [2, 784] }, { sigma: -1 }), /options.sigma must be a positive number/);
  });
});

describe('MSE and PSNR', () => {
  it('pools the squared error over every pixel and gives PSNR with peak 1', () => {
    const mse = meanSquaredError(Float32Array.of(0, 1, 0.5, 1), Float32Array.of(0, 0.5, 0.5, 1));
    close(mse, 0.0625, 1e-15, 'mse');
    close(psnrOf(mse), 10 * Math.log10(16), 1e-12, 'psnr');
    const next = rng(3);
    const x = Float32Array.from({ length: 2 * 144 }, next);
    const y = x.map((v) => v * 0.9);
    const q = imageQuality({ x: y, shape: [2, 12, 12] }, { x, shape: [2, 12, 12] });
    close(q.mse, meanSquaredError(y, x), 0, 'same mse');
    close(q.psnr, psnrOf(q.mse), 0, 'same psnr');
    assert.ok(q.ssim > 0.9 && q.ssim < 1, `${q.ssim}`);
  });
});
