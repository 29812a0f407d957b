import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/data/random.js';
import { fft, griffinLim, hannWindow, hzToMel, magnitude, melFilterBank, melToHz, mfcc, istft, stft, stftFrames, withPhase } from '../../src/data/spectrogram.js';
import { logSpectralDistance, siSdr } from '../../src/eval/audio-quality.js';

const noise = (n: number, seed: number) => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
};

describe('fft', () => {
  it('matches the DFT sum in float64 and inverts', () => {
    const n = 16;
    const rng = new Rng(3);
    const re = Float64Array.from({ length: n }, () => rng.normal());
    const im = Float64Array.from({ length: n }, () => rng.normal());
    const [r0, i0] = [re.slice(), im.slice()];
    fft(re, im);
    for (let k = 0; k < n; k++) {
      let sr = 0, si = 0;
      for (let t = 0; t < n; t++) {
        const a = (-2 * Math.PI * k * t) / n;
        sr += r0[t]! * Math.cos(a) - i0[t]! * Math.sin(a);
        si += r0[t]! * Math.sin(a) + i0[t]! * Math.cos(a);
      }
      assert.ok(Math.abs(re[k]! - sr) < 1e-12 && Math.abs(im[k]! - si) < 1e-12);
    }
    fft(re, im, true);
    for (let t = 0; t < n; t++) assert.ok(Math.abs(re[t]! - r0[t]!) < 1e-12 && Math.abs(im[t]! - i0[t]!) < 1e-12);
    assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), /power of two/);
  });
});

describe('STFT', () => {
  it('has 1 + ⌊L/hop⌋ frames and puts a bin-centred tone in its bin', () => {
    const rate = 8000, nFft = 256;
    const x = Float32Array.from({ length: 1000 }, (_, i) => Math.cos((2 * Math.PI * 32 * rate / nFft * i) / rate));
    const s = stft(x, { nFft, hop: 64 });
    assert.equal(s.frames, stftFrames(1000, 64));
    assert.equal(s.frames, 16);
    assert.equal(s.bins, 129);
    const m = magnitude(s);
    const t = 8; // a frame away from the edges: Hann-windowed cosine of amplitude 1 peaks at Σw/2 = nFft/4
    let best = 0;
    for (let k = 0; k < s.bins; k++) if (m[t * 129 + k]! > m[t * 129 + best]!) best = k;
    assert.equal(best, 32);
    assert.ok(Math.abs(m[t * 129 + 32]! - nFft / 4) < 1e-3);
  });

  for (const [nFft, hop] of [[256, 64], [256, 128], [64, 16], [512, 256]] as const) {
    it(`STFT → iSTFT gives the signal back (nFft ${nFft}, hop ${hop}, lengths not multiples of the hop)`, () => {
      for (const len of [1000, 1037]) {
        const x = noise(len, len);
        const y = istft(stft(x, { nFft, hop }), len);
        let err = 0;
        for (let i = 0; i < len; i++) err = Math.max(err, Math.abs(y[i]! - x[i]!));
        assert.ok(err < 1e-5, `max error ${err}`);
        assert.ok(siSdr(y, x) > 90);
      }
    });
  }

  it('withPhase keeps magnitudes and takes the other phases', () => {
    const a = stft(noise(300, 1));
    const b = stft(noise(300, 2));
    const mixed = withPhase(magnitude(a), b);
    const m = magnitude(mixed);
    const ma = magnitude(a);
    for (let i = 0; i < m.length; i++) assert.ok(Math.abs(m[i]! - ma[i]!) < 1e-4 * (1 + ma[i]!));
    const i = 200;
    assert.ok(Math.abs(Math.atan2(mixed.im[i]!, mixed.re[i]!) - Math.atan2(b.im[i]!, b.re[i]!)) < 1e-4);
  });

  it('Griffin–Lim finds a signal whose magnitude matches (spectral convergence below 0.1)', () => {
    const rate = 8000, len = 2000;
    const x = Float32Array.from({ length: len }, (_, i) => Math.sin(2 * Math.PI * 300 * i / rate) * (1 + 0.5 * Math.sin(2 * Math.PI * 3 * i / rate)) + 0.5 * Math.sin(2 * Math.PI * 1100 * i / rate + 1));
    const target = magnitude(stft(x));
    const y = griffinLim(target, len, { iterations: 40 });
    const got = magnitude(stft(y));
    let num = 0, den = 0;
    for (let i = 0; i < got.length; i++) { num += (got[i]! - target[i]!) ** 2; den += target[i]! ** 2; }
    assert.ok(Math.sqrt(num / den) < 0.1, `spectral convergence ${Math.sqrt(num / den)}`);
  });
});

describe('mel and MFCC', () => {
  it('mel scale round-trips and 1000 Hz is about 1000 mel', () => {
    assert.ok(Math.abs(hzToMel(1000) - 1000) < 0.1);
    assert.ok(Math.abs(melToHz(hzToMel(1234)) - 1234) < 1e-9);
  });

  it('filters are triangles peaking at most 1 that cover the band', () => {
    const bank = melFilterBank(8000, 256, 20);
    assert.equal(bank.length, 20 * 129);
    assert.ok(Math.max(...bank) <= 1 && Math.min(...bank) >= 0);
    for (let m = 0; m < 20; m++) assert.ok(bank.subarray(m * 129, (m + 1) * 129).some((v) => v > 0), `filter ${m} is empty`);
  });

  it('MFCC c0 grows with loudness, the others do not change with it', () => {
    const x = noise(1600, 5);
    const a = mfcc(x, 8000);
    const b = mfcc(x.map((v) => v * 10), 8000);
    assert.equal(a.coefficients, 13);
    assert.equal(a.frames, 26);
    const t = 10;
    // ×10 amplitude = +ln(100) per log-mel band; the orthonormal DCT's c0 gains ln(100)·√mels.
    assert.ok(Math.abs(b.values[t * 13]! - a.values[t * 13]! - Math.log(100) * Math.sqrt(40)) < 1e-3);
    for (let c = 1; c < 13; c++) assert.ok(Math.abs(b.values[t * 13 + c]! - a.values[t * 13 + c]!) < 1e-3);
  });
});

describe('SI-SDR and log-spectral distance', () => {
  it('SI-SDR: rescaling changes nothing; known ratios give their dB', () => {
    const s = noise(1000, 1);
    const e = noise(1000, 2);
    // Make e orthogonal to s, then scale it to ‖s‖²/‖e‖² = 10 (10 dB) and 1 (0 dB).
    let dot = 0, ss = 0;
    for (let i = 0; i < 1000; i++) { dot += e[i]! * s[i]!; ss += s[i]! * s[i]!; }
    const ortho = Float64Array.from(e, (v, i) => v - (dot / ss) * s[i]!);
    const ee = ortho.reduce((a, v) => a + v * v, 0);
    for (const db of [10, 0, -5]) {
      const k = Math.sqrt(ss / ee / 10 ** (db / 10));
      const est = Float32Array.from(s, (v, i) => v + k * ortho[i]!);
      assert.ok(Math.abs(siSdr(est, s) - db) < 1e-3, `${db} dB: ${siSdr(est, s)}`);
      assert.ok(Math.abs(siSdr(est.map((v) => -3 * v), s) - db) < 1e-3, 'scale invariant');
    }
    assert.equal(siSdr(s.map((v) => 2 * v), s), Infinity);
    assert.ok(Number.isNaN(siSdr(s, new Float32Array(1000))));
    assert.throws(() => siSdr(s, new Float32Array(10)), /samples/);
  });

  it('log-spectral distance: 0 for the same signal, 20 log10(2) ≈ 6.02 dB for twice the amplitude', () => {
    const s = noise(800, 3);
    assert.equal(logSpectralDistance(s, s), 0);
    assert.ok(Math.abs(logSpectralDistance(s.map((v) => 2 * v), s) - 20 * Math.log10(2)) < 1e-3);
  });

  it('hann window is periodic', () => {
    const w = hannWindow(8);
    assert.equal(w[0], 0);
    assert.ok(Math.abs(w[4]! - 1) < 1e-15);
  });
});

describe('resampleFrames', () => {
  it('stretches and squeezes frame sequences by linear interpolation, channel-major out', async () => {
    const { resampleFrames } = await import('../../src/data/spectrogram.js');
    // 2 frames × 2 channels: channel 0 goes 0 → 1, channel 1 stays 5.
    const v = Float32Array.from([0, 5, 1, 5]);
    assert.deepEqual(Array.from(resampleFrames(v, 2, 2, 4)), [0, 0.25, 0.75, 1, 5, 5, 5, 5]);
    assert.deepEqual(Array.from(resampleFrames(v, 2, 2, 1)), [0.5, 5]);
    assert.throws(() => resampleFrames(v, 3, 2, 4), /not 3 frames/);
  });
});

describe('log-magnitude images', () => {
  it('map a clip into [0, 1] and back through Griffin–Lim to a signal with the same magnitudes', async () => {
    const { logMagnitudeImage, logMagnitudeImageToAudio } = await import('../../src/data/spectrogram.js');
    const opts = { nFft: 64, hop: 16 };
    const x = Float32Array.from({ length: 600 }, (_, i) => 0.3 * Math.sin(2 * Math.PI * 440 * i / 8000) + 0.2 * Math.sin(2 * Math.PI * 1300 * i / 8000));
    const img = logMagnitudeImage(x, 32, opts);
    assert.equal(img.length, 32 * 32);
    assert.ok(img.every((v) => v >= 0 && v <= 1));
    const y = logMagnitudeImageToAudio(img, 32, { ...opts, iterations: 30 });
    assert.equal(y.length, 31 * 16);
    const back = logMagnitudeImage(y, 32, opts);
    let err = 0;
    for (let i = 0; i < img.length; i++) err += Math.abs(back[i]! - img[i]!) / img.length;
    assert.ok(err < 0.05, `mean image difference ${err}`);
  });
});
