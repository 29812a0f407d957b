import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CaseResult, checkCase } from '../../src/check/gradcheck.js';
import * as L from '../../src/layers/index.js';
import { layerCase } from './helpers.js';

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** y[r, u] = act(b[u] + Σ_f x[r, f] W[f, u]) over every leading row r. */
function denseRef(x: Float64Array, w: Float64Array, b: Float64Array | undefined, features: number, units: number, act: (v: number) => number = (v) => v): Float64Array {
  const rows = x.length / features;
  const y = new Float64Array(rows * units);
  for (let r = 0; r < rows; r++) {
    for (let u = 0; u < units; u++) {
      let s = b ? b[u]! : 0;
      for (let f = 0; f < features; f++) s += x[r * features + f]! * w[f * units + u]!;
      y[r * units + u] = act(s);
    }
  }
  return y;
}

/** Direct NCHW convolution with zero padding (top, left) and an output size. */
function convRef(
  x: Float64Array, w: Float64Array, b: Float64Array,
  [n, c, h, wd]: number[], [f, kh, kw]: number[], stride: number, [pt, pl]: number[], [oh, ow]: number[],
): Float64Array {
  const y = new Float64Array(n * f * oh * ow);
  for (let ni = 0; ni < n; ni++) for (let fi = 0; fi < f; fi++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let s = b[fi]!;
    for (let ci = 0; ci < c; ci++) for (let a = 0; a < kh; a++) for (let d = 0; d < kw; d++) {
      const r = i * stride + a - pt;
      const q = j * stride + d - pl;
      if (r < 0 || r >= h || q < 0 || q >= wd) continue;
      s += x[((ni * c + ci) * h + r) * wd + q]! * w[((fi * c + ci) * kh + a) * kw + d]!;
    }
    y[((ni * f + fi) * oh + i) * ow + j] = s;
  }
  return y;
}

/** stateFromInput: s = x[n, first, :]·S + s_b; h₀ = tanh(s[:u]), c₀ = s[u:2u] (LSTM only). */
interface RecurrentOptions { init?: { kernel: Float64Array; bias: Float64Array }; reverse?: boolean }
/** The time steps in the order a layer reads them. */
const readOrder = (t: number, reverse = false) => Array.from({ length: t }, (_, i) => (reverse ? t - 1 - i : i));
function startState(x: Float64Array, { init, reverse }: RecurrentOptions, ni: number, [, t, f]: number[], u: number, parts: number): [Float64Array, Float64Array] {
  const h = new Float64Array(u);
  const c = new Float64Array(u);
  if (!init) return [h, c];
  for (let k = 0; k < parts * u; k++) {
    let s = init.bias[k]!;
    for (let fi = 0; fi < f; fi++) s += x[(ni * t + readOrder(t, reverse)[0]!) * f + fi]! * init.kernel[fi * parts * u + k]!;
    if (k < u) h[k] = Math.tanh(s);
    else c[k - u] = s;
  }
  return [h, c];
}

/** Keras LSTM (gates i, f, c, o), zero or learned initial state, forwards or in reverse; bias = concat of the four gate biases. */
function lstmRef(x: Float64Array, w: Float64Array, r: Float64Array, b: Float64Array, [n, t, f]: number[], u: number, seq: boolean, opts: RecurrentOptions = {}): Float64Array {
  const y = new Float64Array(seq ? n * t * u : n * u);
  for (let ni = 0; ni < n; ni++) {
    const [h, c] = startState(x, opts, ni, [n, t, f], u, 2);
    for (const ti of readOrder(t, opts.reverse)) {
      const z = Float64Array.from(b);
      for (let k = 0; k < 4 * u; k++) {
        for (let fi = 0; fi < f; fi++) z[k] += x[(ni * t + ti) * f + fi]! * w[fi * 4 * u + k]!;
        for (let j = 0; j < u; j++) z[k] += h[j]! * r[j * 4 * u + k]!;
      }
      for (let j = 0; j < u; j++) {
        const i = sig(z[j]!), fg = sig(z[u + j]!), g = Math.tanh(z[2 * u + j]!), o = sig(z[3 * u + j]!);
        c[j] = fg * c[j]! + i * g;
        h[j] = o * Math.tanh(c[j]!);
        if (seq) y[(ni * t + ti) * u + j] = h[j]!;
      }
    }
    if (!seq) y.set(h, ni * u);
  }
  return y;
}

/** Reset-after GRU (gates z, r, h), zero or learned initial state, forwards or in reverse. */
function gruRef(x: Float64Array, w: Float64Array, r: Float64Array, b: Float64Array, rb: Float64Array, [n, t, f]: number[], u: number, seq: boolean, opts: RecurrentOptions = {}): Float64Array {
  const y = new Float64Array(seq ? n * t * u : n * u);
  for (let ni = 0; ni < n; ni++) {
    const [h] = startState(x, opts, ni, [n, t, f], u, 1);
    for (const ti of readOrder(t, opts.reverse)) {
      const a = Float64Array.from(b);
      const q = Float64Array.from(rb);
      for (let k = 0; k < 3 * u; k++) {
        for (let fi = 0; fi < f; fi++) a[k] += x[(ni * t + ti) * f + fi]! * w[fi * 3 * u + k]!;
        for (let j = 0; j < u; j++) q[k] += h[j]! * r[j * 3 * u + k]!;
      }
      for (let j = 0; j < u; j++) {
        const z = sig(a[j]! + q[j]!), rg = sig(a[u + j]! + q[u + j]!), nn = Math.tanh(a[2 * u + j]! + rg * q[2 * u + j]!);
        h[j] = z * h[j]! + (1 - z) * nn;
        if (seq) y[(ni * t + ti) * u + j] = h[j]!;
      }
    }
    if (!seq) y.set(h, ni * u);
  }
  return y;
}

const concat = (...parts: Float64Array[]) => {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

function assertOk(r: CaseResult, forward: boolean): void {
  assert.equal(r.gradient, 'ok', `${r.label}: gradient ${r.message ?? ''} (error ${r.gradError})`);
  assert.ok(r.checkedElements > 0);
  if (forward) assert.equal(r.forward, 'ok', `${r.label}: ${r.message ?? ''}`);
}

describe('layer numerics: forward references and gradient checks (float32, through ONNX Runtime)', () => {
  it('Dense [N, F] (Gemm) with tanh', async () => {
    const layer = new L.Dense({ units: 2, activation: 'tanh' });
    const r = await checkCase(layerCase(layer, [3, 4], { reference: ([x, w, b]) => denseRef(x!, w!, b!, 4, 2, Math.tanh) }));
    assertOk(r, true);
  });

  it('Dense [N, T, F] (MatMul), no bias', async () => {
    const layer = new L.Dense({ units: 3, useBias: false });
    const r = await checkCase(layerCase(layer, [2, 3, 2], { reference: ([x, w]) => denseRef(x!, w!, undefined, 2, 3) }));
    assertOk(r, true);
  });

  it("Conv2D 3x3 'same'", async () => {
    const layer = new L.Conv2D({ filters: 2, kernelSize: 3, padding: 'same' });
    const r = await checkCase(layerCase(layer, [2, 2, 3, 3], { reference: ([x, w, b]) => convRef(x!, w!, b!, [2, 2, 3, 3], [2, 3, 3], 1, [1, 1], [3, 3]) }));
    assertOk(r, true);
  });

  it("Conv2D 3x3 stride 2 'valid'", async () => {
    const layer = new L.Conv2D({ filters: 1, kernelSize: 3, strides: 2 });
    const r = await checkCase(layerCase(layer, [1, 1, 5, 5], { reference: ([x, w, b]) => convRef(x!, w!, b!, [1, 1, 5, 5], [1, 3, 3], 2, [0, 0], [2, 2]) }));
    assertOk(r, true);
  });

  it("Conv2DTranspose 3x3 stride 2 'same' and 'valid'", async () => {
    assertOk(await checkCase(layerCase(new L.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }), [1, 2, 2, 2])), false);
    assertOk(await checkCase(layerCase(new L.Conv2DTranspose({ filters: 1, kernelSize: 2, strides: 2, activation: 'sigmoid' }), [2, 1, 2, 2])), false);
  });

  it('AveragePool2D and UpSampling2D', async () => {
    assertOk(await checkCase(layerCase(new L.AveragePool2D({ poolSize: 2, padding: 'same' }), [1, 2, 3, 3])), false);
    assertOk(await checkCase(layerCase(new L.UpSampling2D({ size: [2, 1] }), [1, 2, 2, 2])), false);
  });

  it('MaxPool2D (distinct values, away from ties)', async () => {
    assertOk(await checkCase(layerCase(new L.MaxPool2D(), [1, 2, 4, 4], { kind: 'distinct' })), false);
  });

  it('BatchNormalization in training (batch statistics)', async () => {
    assertOk(await checkCase(layerCase(new L.BatchNormalization({ epsilon: 0.1 }), [4, 3], { training: true })), false);
    assertOk(await checkCase(layerCase(new L.BatchNormalization({ epsilon: 0.1 }), [3, 2, 2, 2], { training: true })), false);
  });

  it('LSTM single step against a plain reference', async () => {
    const layer = new L.LSTM({ units: 2 });
    const r = await checkCase(layerCase(layer, [2, 1, 3], {
      reference: ([x, w, rk, bi, bf, bc, bo]) => lstmRef(x!, w!, rk!, concat(bi!, bf!, bc!, bo!), [2, 1, 3], 2, false),
    }));
    assertOk(r, true);
  });

  it('LSTM over T = 3, returnSequences', async () => {
    const layer = new L.LSTM({ units: 2, returnSequences: true });
    const r = await checkCase(layerCase(layer, [2, 3, 2], {
      reference: ([x, w, rk, bi, bf, bc, bo]) => lstmRef(x!, w!, rk!, concat(bi!, bf!, bc!, bo!), [2, 3, 2], 2, true),
    }));
    assertOk(r, true);
  });

  it('GRU over T = 3, last state and returnSequences', async () => {
    const last = await checkCase(layerCase(new L.GRU({ units: 2 }), [2, 3, 2], {
      reference: ([x, w, rk, b, rb]) => gruRef(x!, w!, rk!, b!, rb!, [2, 3, 2], 2, false),
    }));
    assertOk(last, true);
    const seq = await checkCase(layerCase(new L.GRU({ units: 2, returnSequences: true }), [1, 3, 2], {
      reference: ([x, w, rk, b, rb]) => gruRef(x!, w!, rk!, b!, rb!, [1, 3, 2], 2, true),
    }));
    assertOk(seq, true);
  });

  it('LSTM and GRU started from the first step read (stateFromInput), forwards and in reverse', async () => {
    for (const reverse of [false, true]) {
      const lstm = await checkCase(layerCase(new L.LSTM({ units: 2, returnSequences: true, stateFromInput: true, reverse }), [2, 3, 2], {
        reference: ([x, w, rk, bi, bf, bc, bo, sk, sb]) => lstmRef(x!, w!, rk!, concat(bi!, bf!, bc!, bo!), [2, 3, 2], 2, true, { init: { kernel: sk!, bias: sb! }, reverse }),
      }));
      assertOk(lstm, true);
      const gru = await checkCase(layerCase(new L.GRU({ units: 2, stateFromInput: true, reverse }), [2, 3, 2], {
        reference: ([x, w, rk, b, rb, sk, sb]) => gruRef(x!, w!, rk!, b!, rb!, [2, 3, 2], 2, false, { init: { kernel: sk!, bias: sb! }, reverse }),
      }));
      assertOk(gru, true);
    }
    const reversed = await checkCase(layerCase(new L.GRU({ units: 2, returnSequences: true, reverse: true }), [1, 3, 2], {
      reference: ([x, w, rk, b, rb]) => gruRef(x!, w!, rk!, b!, rb!, [1, 3, 2], 2, true, { reverse: true }),
    }));
    assertOk(reversed, true);
  });

  it('RepeatVector', async () => {
    const r = await checkCase(layerCase(new L.RepeatVector({ n: 3 }), [2, 2], {
      reference: ([x]) => Float64Array.from({ length: 2 * 3 * 2 }, (_, i) => x![Math.floor(i / 6) * 2 + (i % 2)]!),
    }));
    assertOk(r, true);
  });

  it('TimeDistributed(Dense)', async () => {
    const layer = new L.TimeDistributed({ layer: new L.Dense({ units: 2, activation: 'sigmoid' }) });
    const r = await checkCase(layerCase(layer, [2, 3, 2], { reference: ([x, w, b]) => denseRef(x!, w!, b!, 2, 2, sig) }));
    assertOk(r, true);
  });

  it('Sequential(Reshape, Conv2D, Flatten, Dense)', async () => {
    const layer = new L.Sequential({
      layers: [new L.Reshape({ targetShape: [1, 3, 3] }), new L.Conv2D({ filters: 2, kernelSize: 2, activation: 'tanh' }), new L.Flatten(), new L.Dense({ units: 2 })],
    });
    assertOk(await checkCase(layerCase(layer, [2, 9])), false);
  });
});
