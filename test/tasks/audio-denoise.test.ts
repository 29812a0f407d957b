import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/data/random.js';
import { siSdr } from '../../src/eval/audio-quality.js';
import { UNetAutoencoder } from '../../src/models/unet.js';
import {
  babbleNoise, maskDenoise, minimumStatisticsNoise, maskTrainingPairs, mixAtSnr, noisePowerSpectrum, segmentLength, spectralSubtraction, trainMaskDenoiser, whiteNoise, wienerFilter,
} from '../../src/tasks/audio-denoise.js';

const power = (x: Float32Array) => x.reduce((a, v) => a + v * v, 0) / x.length;
/** A "voiced" test signal: harmonics of 200 Hz at 8 kHz, switched on for its middle half. */
const voice = (n: number) => Float32Array.from({ length: n }, (_, i) => (i > n / 4 && i < (3 * n) / 4 ? 0.3 * Math.sin(2 * Math.PI * 200 * i / 8000) + 0.2 * Math.sin(2 * Math.PI * 400 * i / 8000 + 1) + 0.1 * Math.sin(2 * Math.PI * 600 * i / 8000 + 2) : 0));

describe('audio mixing', () => {
  it('mixAtSnr scales the noise to the asked SNR over the clip', () => {
    const rng = new Rng(1);
    const clean = voice(4000);
    for (const snr of [0, 5, 10, -3]) {
      const m = mixAtSnr(clean, whiteNoise(5000, rng), snr);
      assert.equal(m.noisy.length, 4000);
      assert.ok(Math.abs(10 * Math.log10(power(clean) / power(m.noise)) - snr) < 1e-4);
      for (let i = 0; i < 4000; i += 500) assert.ok(Math.abs(m.noisy[i]! - clean[i]! - m.noise[i]!) < 1e-6);
    }
    assert.throws(() => mixAtSnr(clean, new Float32Array(10), 0), /noise samples/);
  });

  it('babble is the sum of the talkers, reproducible from the seed, and fills the length', () => {
    const pool = [voice(300), voice(500).map((v) => v * 3)];
    const a = babbleNoise(2000, pool, new Rng(4), 3);
    const b = babbleNoise(2000, pool, new Rng(4), 3);
    assert.deepEqual(a, b);
    assert.equal(a.length, 2000);
    // Each voice has unit RMS per clip, so three of them have power of order 1 (clips are silent half the time).
    assert.ok(power(a) > 0.3 && power(a) < 6, `power ${power(a)}`);
    assert.throws(() => babbleNoise(10, [], new Rng(1)), /empty/);
  });
});

describe('classical enhancers', () => {
  it('spectral subtraction and the Wiener filter raise the SI-SDR of a tone in white noise at 0 dB', () => {
    const clean = voice(8000);
    const m = mixAtSnr(clean, whiteNoise(8000, new Rng(2)), 0);
    const psd = noisePowerSpectrum(m.noise);
    assert.equal(psd.length, 129);
    const before = siSdr(m.noisy, clean);
    const ss = siSdr(spectralSubtraction(m.noisy, psd), clean);
    const wf = siSdr(wienerFilter(m.noisy, psd), clean);
    assert.ok(ss > before + 5, `spectral subtraction ${before} → ${ss}`);
    assert.ok(wf > before + 5, `Wiener ${before} → ${wf}`);
  });

  it('minimum statistics estimates the noise power from the noisy signal alone (mean ratio within 0.7–1.4 away from the voice)', () => {
    const clean = voice(8000);
    const m = mixAtSnr(clean, whiteNoise(8000, new Rng(3)), 0);
    const truth = noisePowerSpectrum(m.noise);
    const estimate = minimumStatisticsNoise(m.noisy);
    assert.equal(estimate.length, 129);
    // Over the bins well above the voice's harmonics (200/400/600 Hz: bins 6, 13, 19); one bin's minimum is a noisy draw.
    let ratio = 0;
    for (let k = 40; k < 120; k++) ratio += estimate[k]! / truth[k]! / 80;
    assert.ok(ratio > 0.7 && ratio < 1.4, `estimate / truth ${ratio}`);
    const ss = siSdr(spectralSubtraction(m.noisy, estimate), clean);
    assert.ok(ss > siSdr(m.noisy, clean) + 3, `spectral subtraction with the estimate: ${ss}`);
    assert.throws(() => minimumStatisticsNoise(m.noisy, { smoothing: 1 }), /smoothing/);
  });

  it('with no noise power they leave the signal as it was', () => {
    const clean = voice(2000);
    const zero = new Float64Array(129);
    assert.ok(siSdr(spectralSubtraction(clean, zero), clean) > 60);
    assert.ok(siSdr(wienerFilter(clean, zero), clean) > 60);
  });
});

describe('spectrogram-mask denoiser', () => {
  const settings = { nFft: 32, hop: 16, frames: 8 };

  it('training pairs: log features of the noisy segment and compressed clean magnitudes, [n, 1, nFft/2, frames]', () => {
    const len = segmentLength(settings);
    assert.equal(len, 112);
    const clean = voice(len);
    const pairs = maskTrainingPairs([clean], [clean], settings);
    assert.deepEqual(pairs.shape, [1, 1, 16, 8]);
    // Same input and target: exp(c·x) equals the target, so the all-ones mask has zero loss.
    for (let i = 0; i < pairs.x.length; i++) assert.ok(Math.abs(Math.exp(0.3 * pairs.x[i]!) - pairs.target[i]!) < 1e-5);
    assert.throws(() => maskTrainingPairs([clean.subarray(1)], [clean.subarray(1)], settings), /expected 112/);
  });

  it('trains a small U-Net with fresh noise per epoch (loss falls) and denoises clips of any length', async () => {
    const net = new UNetAutoencoder({ inputShape: [1, 16, 8], encoder: { filters: [4], convsPerLevel: 1 }, outputActivation: 'sigmoid', loss: 'mse' });
    net.compile({ seed: 1 });
    const rng = new Rng(3);
    const len = segmentLength(settings);
    const losses: number[] = [];
    const seen = new Set<number>();
    await trainMaskDenoiser(net, settings, (epoch) => {
      const clean = Array.from({ length: 32 }, (_, i) => voice(len * 2).subarray(i % len, (i % len) + len));
      const noisy = clean.map((c) => mixAtSnr(c, whiteNoise(len, rng), 0).noisy);
      seen.add(noisy[0]![0]!);
      assert.ok(epoch >= 0);
      return { noisy, clean };
    }, { epochs: 6, batchSize: 8, learningRate: 3e-2, seed: 1, onEpoch: (_, loss) => losses.push(loss) });
    assert.equal(losses.length, 6);
    assert.equal(seen.size, 6, 'each epoch draws new noise');
    assert.ok(losses.at(-1)! < losses[0]!, `losses ${losses}`);
    const clips = [voice(300), voice(57)];
    const out = await maskDenoise(net, clips.map((c) => mixAtSnr(c, whiteNoise(300, rng), 5).noisy), settings);
    assert.deepEqual(out.map((o) => o.length), [300, 57]);
    for (const o of out) assert.ok(o.every(Number.isFinite));
    await assert.rejects(trainMaskDenoiser(net, { ...settings, frames: 16 }, () => ({ noisy: [], clean: [] }), { epochs: 1 }), /input is \[1,16,8\]/);
  });
});
