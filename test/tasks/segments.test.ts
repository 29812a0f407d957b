import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/data/random.js';
import { noisySegments } from '../../src/tasks/audio-denoise.js';
import { cutSegments, joinSegments, rmsOf } from '../../src/tasks/segments.js';

describe('clips through a model of fixed-length segments', () => {
  it('cuts and cross-fades back to the very clip when the model is the identity, at any length, silent clips included', () => {
    const rng = new Rng(2);
    const clips = [1, 15, 16, 17, 100, 333].map((n) => Float32Array.from({ length: n }, () => rng.normal())).concat([new Float32Array(40)]);
    const cut = cutSegments(clips, 16, 0.1);
    // Padded by half a segment at both ends: ceil(n / 8) + 1 segments.
    assert.deepEqual(cut.counts, [2, 3, 3, 4, 14, 43, 6]);
    assert.equal(cut.x.length, cut.counts.reduce((a, b) => a + b, 0) * 16);
    // Each clip enters at RMS 0.1 (a silent one stays silent).
    clips.forEach((c, i) => assert.ok(Math.abs(cut.gains[i]! * rmsOf(c) - (i === 6 ? 0 : 0.1)) < 1e-6, `clip ${i}: gain ${cut.gains[i]}`));
    assert.ok(Number.isFinite(cut.gains[6]!));
    const back = joinSegments(cut.x, cut);
    back.forEach((b, i) => {
      assert.equal(b.length, clips[i]!.length);
      const worst = Math.max(0, ...b.map((v, t) => Math.abs(v - clips[i]![t]!)));
      assert.ok(worst < 1e-5, `clip ${i}: off by ${worst}`);
    });
  });

  it('rejects an odd segment', () => {
    assert.throws(() => cutSegments([new Float32Array(5)], 15, 0.1), /even length, got 15/);
  });
});

describe('noisySegments', () => {
  const clips = [3000, 800, 5000].map((n, k) => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i * (0.05 + 0.02 * k))));
  it('gives segments of the set length at an SNR in the range, fresh on every call', () => {
    const rng = new Rng(4);
    const a = noisySegments(clips, () => clips, rng, { segment: 1024, snrDb: [5, 5], kinds: ['white'] });
    assert.deepEqual(a.noisy.map((x) => x.length), [1024, 1024, 1024]);
    assert.deepEqual(a.clean.map((x) => x.length), [1024, 1024, 1024]);
    a.noisy.forEach((y, i) => {
      const n = Math.min(1024, clips[i]!.length);
      const c = a.clean[i]!.subarray(0, n);
      const noise = y.subarray(0, n).map((v, t) => v - c[t]!);
      const snr = 20 * Math.log10(rmsOf(c) / rmsOf(noise));
      assert.ok(Math.abs(snr - 5) < 1e-3, `clip ${i}: SNR ${snr} dB`);
      // A clip shorter than the segment is zero-padded, noise included.
      if (n < 1024) assert.ok(y.subarray(n).every((v) => v === 0));
    });
    const b = noisySegments(clips, () => clips, rng, { segment: 1024, snrDb: [5, 5], kinds: ['white'] });
    assert.notDeepEqual(Array.from(b.noisy[0]!.subarray(0, 50)), Array.from(a.noisy[0]!.subarray(0, 50)));
  });
});
