import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { mnist } from '../../src/data/datasets.js';
import { Autoencoder, PCA, UNetAutoencoder } from '../../src/models/index.js';
import { Adam } from '../../src/optim/index.js';
import {
  BLUR_SIGMAS, addGaussianNoise, bestGaussianBlur, denoise, denoisingReport, evaluateDenoising, gaussianBlur, medianFilter, meanSquaredError,
} from '../../src/tasks/denoise.js';

const train = mnist({ limit: 1000 });
const test = mnist({ split: 'test', limit: 100 });
const clean = { x: test.x, shape: [100, 784] };

describe('denoise', () => {
  let dense: Autoencoder;
  before(async () => {
    dense = new Autoencoder({ inputShape: [784], encoder: { sizes: [64] }, loss: 'bce', noise: { type: 'gaussian', std: 0.5, clip: true } });
    dense.compile({ optimizer: new Adam({ learningRate: 5e-3 }), seed: 1 });
    await dense.fit(train, { epochs: 4, batchSize: 50, seed: 1, worker: false });
  });

  it('lowers the MSE of noisy test images (a small dense denoising autoencoder)', async () => {
    const report = await evaluateDenoising(dense, clean, { noiseFactor: 0.5, seed: 3 });
    assert.equal(report.images, 100);
    assert.ok(report.denoised.mse < 0.6 * report.noisy.mse, `MSE ${report.denoised.mse} vs noisy ${report.noisy.mse}`);
    assert.ok(report.gain.psnr > 2, `PSNR gain ${report.gain.psnr}`);
    // SSIM is reported but not asserted: a barely trained model leaves a faint gray background, which
    // SSIM's luminance term punishes on MNIST's black background more than the noise itself.
    assert.ok(report.denoised.ssim > 0 && report.denoised.ssim < 1);
    // The report is the plain comparison of the returned images.
    assert.equal(report.denoised.mse, meanSquaredError(report.denoisedImages, test.x));
    assert.deepEqual(report.denoisedImages, await dense.reconstruct(report.noisyImages));
  });

  it('runs in batches with the same result, and takes a PCA as a denoiser', async () => {
    const noisy = addGaussianNoise(test.x, 0.5, { seed: 4 });
    const one = await denoise(dense, noisy);
    const batched = await denoise(dense, { x: noisy, shape: [100, 28, 28] }, { batchSize: 7 });
    for (let i = 0; i < one.length; i++) assert.ok(Math.abs(one[i]! - batched[i]!) < 1e-6);
    const pca = PCA.fit(train, { components: 16 });
    assert.deepEqual(await denoise(pca, noisy), pca.reconstruct(noisy));
  });

  it('a U-Net denoiser trained briefly lowers the MSE too', async () => {
    const unet = new UNetAutoencoder({ inputShape: [1, 28, 28], encoder: { filters: [4, 8] }, loss: 'bce', noise: { type: 'gaussian', std: 0.5, clip: true } });
    unet.compile({ optimizer: new Adam({ learningRate: 1e-2 }), seed: 2 });
    await unet.fit({ x: train.x, shape: [1000, 1, 28, 28] }, { epochs: 2, batchSize: 50, seed: 2, worker: false });
    const report = await evaluateDenoising(unet, clean, { noiseFactor: 0.5, seed: 3 });
    assert.ok(report.denoised.mse < report.noisy.mse, `MSE ${report.denoised.mse} vs noisy ${report.noisy.mse}`);
  });

  it('rejects inputs that do not fit the model, naming the sizes', async () => {
    await assert.rejects(denoise(dense, new Float32Array(700)), /700 values are not a whole number of images for the Autoencoder \(input \[784\], 784 values\)/);
    await assert.rejects(denoise(dense, { x: new Float32Array(784), shape: [1, 27, 29] }), /images of shape \[27,29\] \(783 values\) do not fit/);
    await assert.rejects(denoise(dense, Float32Array.of(...new Array(783).fill(0), Number.NaN)), /image 0 holds NaN at value 783/);
    await assert.rejects(evaluateDenoising(dense, clean), /give options.noiseFactor/);
  });
});

describe('noise and classical denoisers', () => {
  it('addGaussianNoise is reproducible from its seed and clipped to [0, 1]', () => {
    const x = new Float32Array(1000).fill(0.5);
    const a = addGaussianNoise(x, 0.5, { seed: 9 });
    assert.deepEqual(a, addGaussianNoise(x, 0.5, { seed: 9 }));
    assert.notDeepEqual(a, addGaussianNoise(x, 0.5, { seed: 10 }));
    assert.ok(a.every((v) => v >= 0 && v <= 1) && a.some((v) => v === 0) && a.some((v) => v === 1));
    const unclipped = addGaussianNoise(x, 0.5, { seed: 9, clip: false });
    assert.ok(unclipped.some((v) => v > 1));
    assert.throws(() => addGaussianNoise(x, -1), /noise factor must be a number >= 0/);
  });

  it('medianFilter takes the 3×3 median with edges repeated (hand-computed)', () => {
    const x = Float32Array.of(
      1, 0, 0, 0,
      0, 9, 0, 0,
      0, 0, 0, 5,
      2, 2, 2, 5,
    );
    const m = medianFilter({ x, shape: [1, 4, 4] });
    // Corner (0,0): the window, edges repeated, is [1 1 0; 1 1 0; 0 0 9] → sorted 0 0 0 0 1 1 1 1 9: median 1.
    assert.equal(m[0], 1);
    // (1,1): [1 0 0; 0 9 0; 0 0 0] → median 0: the lone 9 is removed.
    assert.equal(m[5], 0);
    // (3,3): [0 5 5; 2 5 5; 2 5 5] → 0 2 2 5 5 5 5 5 5: median 5.
    assert.equal(m[15], 5);
    // (3,0): [0 0 0; 2 2 2; 2 2 2] → median 2.
    assert.equal(m[12], 2);
  });

  it('gaussianBlur keeps constants and mass, and spreads a point symmetrically', () => {
    const flat = gaussianBlur({ x: new Float32Array(81).fill(0.3), shape: [1, 9, 9] }, 1.2);
    for (const v of flat) assert.ok(Math.abs(v - 0.3) < 1e-6);
    const x = new Float32Array(15 * 15);
    x[7 * 15 + 7] = 1;
    const b = gaussianBlur({ x, shape: [1, 15, 15] }, 1);
    assert.ok(Math.abs(b.reduce((s, v) => s + v, 0) - 1) < 1e-6);
    assert.ok(Math.abs(b[7 * 15 + 6]! - b[7 * 15 + 8]!) < 1e-9 && Math.abs(b[6 * 15 + 7]! - b[7 * 15 + 6]!) < 1e-9);
    // The centre weight is the square of the 1-D centre tap: 1 / (Σ_{|i|≤3} e^{−i²/2})².
    let s = 0;
    for (let i = -3; i <= 3; i++) s += Math.exp(-(i * i) / 2);
    assert.ok(Math.abs(b[7 * 15 + 7]! - 1 / (s * s)) < 1e-6);
  });

  it('bestGaussianBlur picks the σ with the highest PSNR on the set', () => {
    const noisy = { x: addGaussianNoise(test.x, 0.5, { seed: 5 }), shape: [100, 784] };
    const best = bestGaussianBlur(noisy, clean, [0.5, 1, 2]);
    for (const sigma of [0.5, 1, 2]) {
      const psnr = 10 * Math.log10(1 / meanSquaredError(gaussianBlur(noisy, sigma), test.x));
      assert.ok(psnr <= best.psnr + 1e-12, `σ ${sigma}: ${psnr} > ${best.psnr}`);
    }
    assert.ok(BLUR_SIGMAS.includes(1) && BLUR_SIGMAS[0] === 0.3);
    const report = denoisingReport(clean, noisy.x, best.images);
    assert.ok(report.gain.psnr > 0);
  });
});

