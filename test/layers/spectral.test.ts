import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCase } from '../../src/check/gradcheck.js';
import { stft } from '../../src/data/spectrogram.js';
import { siSdr } from '../../src/eval/audio-quality.js';
import { Graph } from '../../src/graph/graph.js';
import { graphIstft, graphStft } from '../../src/layers/spectral.js';
import { siSdrGraph } from '../../src/losses/si-sdr.js';
import { draws } from './helpers.js';
import { evaluate } from '../losses/helpers.js';

describe('STFT and inverse STFT in the graph', () => {
  for (const [nFft, hop, L] of [[64, 16, 150], [32, 16, 97], [16, 8, 40]] as const) {
    it(`matches src/data/spectrogram.ts's stft and inverts it (nFft ${nFft}, hop ${hop}, ${L} samples)`, async () => {
      const x = draws(2 * L, nFft);
      const bins = nFft / 2 + 1;
      const g = new Graph();
      const input = g.input('x', ['N', L]);
      const y = graphStft(g, input, { nFft, hop, bins });
      const back = graphIstft(g, y, L, { nFft, hop, bins });
      const out = await evaluate(g, { y, back }, { x: { shape: [2, L], values: x } }, 'float32');
      const frames = 1 + Math.floor(L / hop);
      assert.deepEqual(y.shape, ['N', 2, bins, frames]);
      for (let n = 0; n < 2; n++) {
        const ref = stft(Float32Array.from(x.slice(n * L, (n + 1) * L)), { nFft, hop });
        for (let k = 0; k < bins; k++) {
          for (let t = 0; t < frames; t++) {
            const re = out.y![((n * 2) * bins + k) * frames + t]!;
            const im = out.y![((n * 2 + 1) * bins + k) * frames + t]!;
            assert.ok(Math.abs(re - ref.re[t * bins + k]!) < 2e-5 * nFft, `re n${n} k${k} t${t}: ${re} vs ${ref.re[t * bins + k]}`);
            assert.ok(Math.abs(im - ref.im[t * bins + k]!) < 2e-5 * nFft, `im n${n} k${k} t${t}: ${im} vs ${ref.im[t * bins + k]}`);
          }
        }
      }
      out.back!.forEach((v, i) => assert.ok(Math.abs(v - x[i]!) < 1e-5, `sample ${i}: ${v} vs ${x[i]}`));
    });
  }

  it('without the Nyquist bin the round trip keeps low frequencies and loses most of the Nyquist-rate signal', async () => {
    const L = 64;
    const alternating = Array.from({ length: L }, (_, i) => (i % 2 ? -1 : 1));
    const smooth = Array.from({ length: L }, (_, i) => Math.sin((2 * Math.PI * 3 * i) / 32));
    const g = new Graph();
    const input = g.input('x', ['N', L]);
    const back = graphIstft(g, graphStft(g, input, { nFft: 32, hop: 8 }), L, { nFft: 32, hop: 8 });
    const out = await evaluate(g, { back }, { x: { shape: [2, L], values: [...alternating, ...smooth] } }, 'float32');
    const kept = out.back!.slice(0, L).reduce((a, v) => a + v * v, 0) / L;
    assert.ok(kept < 0.6, `power kept of the alternating signal: ${kept}`);
    // Away from the ends, within a window of frames that reach into the zero padding (and so leak into every bin), a low tone comes back.
    out.back!.slice(L + 32, 2 * L - 32).forEach((v, i) => assert.ok(Math.abs(v - smooth[i + 32]!) < 1e-4, `sample ${i + 32}: ${v} vs ${smooth[i + 32]}`));
  });

  it('rejects a hop above nFft/2 and spectra of the wrong shape', () => {
    const g = new Graph();
    const x = g.input('x', ['N', 40]);
    assert.throws(() => graphStft(g, x, { nFft: 16, hop: 9 }), /hop must be/);
    assert.throws(() => graphIstft(g, graphStft(g, x, { nFft: 16, hop: 8 }), 48, { nFft: 16, hop: 8 }), /expected spectra/);
  });
});

describe('SI-SDR in the graph', () => {
  it('matches src/eval/audio-quality.ts per sample', async () => {
    const L = 50;
    const s = draws(2 * L, 3);
    const e = s.map((v, i) => 0.7 * v + 0.3 * draws(2 * L, 9)[i]!);
    const g = new Graph();
    const est = g.input('e', ['N', L]);
    const ref = g.input('s', ['N', L]);
    const out = await evaluate(g, { d: siSdrGraph(est, ref, 0) }, { e: { shape: [2, L], values: e }, s: { shape: [2, L], values: s } }, 'float32');
    for (let n = 0; n < 2; n++) {
      const expected = siSdr(Float32Array.from(e.slice(n * L, (n + 1) * L)), Float32Array.from(s.slice(n * L, (n + 1) * L)));
      assert.ok(Math.abs(out.d![n]! - expected) < 1e-3, `${out.d![n]} vs ${expected}`);
    }
  });

  it('gradient check: SI-SDR, and SI-SDR through a complex mask between the graph STFT and its inverse', async () => {
    for (const c of [
      { op: 'siSdrGraph', label: 'SI-SDR per sample', dtype: 'float64' as const, inputs: [{ shape: [2, 12], symbolicBatch: true }, { shape: [2, 12], symbolicBatch: true }], build: (_g: Graph, [e, s]: Graph['inputs']) => siSdrGraph(e!, s!) },
      {
        op: 'graphStft', label: 'SI-SDR of ISTFT(M ⊙ STFT(x)) in the mask and the clean signal (float32: no float64 Conv kernel in ONNX Runtime)',
        inputs: [{ shape: [1, 2, 8, 5] }, { shape: [1, 32], constant: true }, { shape: [1, 32] }],
        build: (g: Graph, [m, x, s]: Graph['inputs']) => {
          const y = graphStft(g, x!, { nFft: 16, hop: 8 });
          const re = g.slice(y, [0], [1], [1]);
          const im = g.slice(y, [1], [2], [1]);
          const mr = g.slice(m!, [0], [1], [1]);
          const mi = g.slice(m!, [1], [2], [1]);
          const masked = g.concat([g.sub(g.mul(mr, re), g.mul(mi, im)), g.add(g.mul(mr, im), g.mul(mi, re))], 1);
          return siSdrGraph(graphIstft(g, masked, 32, { nFft: 16, hop: 8 }), s!);
        },
      },
    ]) {
      const r = await checkCase(c);
      assert.equal(r.gradient, 'ok', r.message);
      assert.ok(r.checkedElements > 0);
      if (r.dtype === 'float64') assert.ok(r.gradError < 1e-5, `${c.label}: scaled error ${r.gradError}`);
    }
  });
});
