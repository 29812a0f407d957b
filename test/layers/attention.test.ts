import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CaseResult, type OpCase, checkCase } from '../../src/check/gradcheck.js';
import { erf } from '../../src/anomaly/erf.js';
import { Graph } from '../../src/graph/graph.js';
import * as L from '../../src/layers/index.js';
import { layerCase, runLayer } from './helpers.js';

function assertOk(r: CaseResult): void {
  assert.equal(r.gradient, 'ok', `${r.label}: gradient ${r.message ?? ''} (error ${r.gradError})`);
  assert.equal(r.forward, 'ok', `${r.label}: forward ${r.message ?? ''} (error ${r.forwardError})`);
  assert.ok(r.checkedElements > 0);
}

/** rows × f times f × u, plus bias. */
function linear(x: Float64Array, w: Float64Array, b: Float64Array | undefined, f: number, u: number): Float64Array {
  const rows = x.length / f;
  const y = new Float64Array(rows * u);
  for (let r = 0; r < rows; r++) for (let j = 0; j < u; j++) {
    let s = b ? b[j]! : 0;
    for (let k = 0; k < f; k++) s += x[r * f + k]! * w[k * u + j]!;
    y[r * u + j] = s;
  }
  return y;
}

function layerNormRef(x: Float64Array, d: number, gamma?: Float64Array, beta?: Float64Array, eps = 1e-5): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / d; r++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[r * d + j]! / d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[r * d + j]! - mean) ** 2 / d;
    for (let j = 0; j < d; j++) y[r * d + j] = ((x[r * d + j]! - mean) / Math.sqrt(v + eps)) * (gamma ? gamma[j]! : 1) + (beta ? beta[j]! : 0);
  }
  return y;
}

interface MhaDims { n: number; t: number; s: number; fq: number; fv: number; h: number; dk: number; dv: number; out: number }

/**
 * Multi-head attention written out per sample, head, query and key, from the
 * projection weights [Wq, bq, Wk, bk, Wv, bv, Wo, bo]; allowed(n, t, s) says
 * which keys a query may see. Also returns the weights [N, h, T, S].
 */
function mhaRef(xq: Float64Array, xv: Float64Array, p: Float64Array[], d: MhaDims, allowed: (n: number, t: number, s: number) => boolean = () => true): { y: Float64Array; weights: Float64Array } {
  const [wq, bq, wk, bk, wv, bv, wo, bo] = p as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const q = linear(xq, wq, bq, d.fq, d.h * d.dk);
  const k = linear(xv, wk, bk, d.fv, d.h * d.dk);
  const v = linear(xv, wv, bv, d.fv, d.h * d.dv);
  const merged = new Float64Array(d.n * d.t * d.h * d.dv);
  const weights = new Float64Array(d.n * d.h * d.t * d.s);
  for (let n = 0; n < d.n; n++) for (let hh = 0; hh < d.h; hh++) for (let t = 0; t < d.t; t++) {
    const scores = Array.from({ length: d.s }, (_, s) => {
      let dot = 0;
      for (let c = 0; c < d.dk; c++) dot += q[(n * d.t + t) * d.h * d.dk + hh * d.dk + c]! * k[(n * d.s + s) * d.h * d.dk + hh * d.dk + c]!;
      return allowed(n, t, s) ? dot / Math.sqrt(d.dk) : -Infinity;
    });
    const max = Math.max(...scores);
    const e = scores.map((z) => Math.exp(z - max));
    const total = e.reduce((a, b) => a + b, 0);
    for (let s = 0; s < d.s; s++) {
      const a = e[s]! / total;
      weights[((n * d.h + hh) * d.t + t) * d.s + s] = a;
      for (let c = 0; c < d.dv; c++) merged[(n * d.t + t) * d.h * d.dv + hh * d.dv + c]! += a * v[(n * d.s + s) * d.h * d.dv + hh * d.dv + c]!;
    }
  }
  return { y: linear(merged, wo, bo, d.h * d.dv, d.out), weights };
}

const gelu = (v: number) => 0.5 * v * (1 + erf(v * Math.SQRT1_2));

describe('attention layers: float64 references and gradient checks (float32, through ONNX Runtime)', () => {
  it('LayerNormalization over the last axis, with gamma and beta', async () => {
    const layer = new L.LayerNormalization();
    assertOk(await checkCase(layerCase(layer, [2, 3, 5], { reference: ([x, gamma, beta]) => layerNormRef(x!, 5, gamma, beta) })));
  });

  it('MultiHeadAttention: self-attention, 2 heads, causal', async () => {
    const layer = new L.MultiHeadAttention({ numHeads: 2, keyDim: 3, causal: true });
    const d: MhaDims = { n: 2, t: 4, s: 4, fq: 5, fv: 5, h: 2, dk: 3, dv: 3, out: 5 };
    assertOk(await checkCase(layerCase(layer, [2, 4, 5], { reference: ([x, ...p]) => mhaRef(x!, x!, p, d, (_, t, s) => s <= t).y })));
  });

  it('MultiHeadAttention: cross-attention with a key-padding mask, valueDim and outputDim', async () => {
    const layer = new L.MultiHeadAttention({ numHeads: 2, keyDim: 2, valueDim: 3, outputDim: 4 });
    const d: MhaDims = { n: 2, t: 3, s: 5, fq: 4, fv: 3, h: 2, dk: 2, dv: 3, out: 4 };
    const keep = [1, 1, 1, 0, 0, 1, 1, 1, 1, 0];
    const c: OpCase = {
      op: 'MultiHeadAttention',
      label: 'cross-attention, key padding',
      dtype: 'float32',
      inputs: [{ shape: [2, 3, 4] }, { shape: [2, 5, 3] }, { shape: [2, 5], kind: 'fixed', values: keep, constant: true }],
      build: (g, [q, v, m]) => layer.attend(new L.GraphBuildContext(g, false), q!, v!, { keyPadding: m! }).output,
      reference: ([q, v, , ...p]) => mhaRef(q!, v!, p, d, (n, _, s) => keep[n * 5 + s] === 1).y,
    };
    assertOk(await checkCase(c));
  });

  it('MultiHeadAttention returns weights that match the reference and sum to 1 per query', async () => {
    const layer = new L.MultiHeadAttention({ numHeads: 2, keyDim: 2, causal: true });
    const g = new Graph(0);
    const x = g.input('x', ['N', 3, 4]);
    const ctx = new L.GraphBuildContext(g, false);
    const { weights } = layer.attend(ctx, x, x);
    assert.deepEqual(weights.shape, ['N', 2, 3, 3]);
    const xs = Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7));
    const run = await runLayer(layer, [2, 3, 4], xs);
    const params = [...run.params.values()].map((t) => Float64Array.from(t.data as Float32Array));
    const ref = mhaRef(Float64Array.from(xs), Float64Array.from(xs), params, { n: 2, t: 3, s: 3, fq: 4, fv: 4, h: 2, dk: 2, dv: 2, out: 4 }, (_, t, s) => s <= t);
    run.y.forEach((v, i) => assert.ok(Math.abs(v - ref.y[i]!) < 1e-5, `y[${i}] ${v} vs ${ref.y[i]}`));
    for (let r = 0; r < ref.weights.length / 3; r++) assert.ok(Math.abs(ref.weights[r * 3]! + ref.weights[r * 3 + 1]! + ref.weights[r * 3 + 2]! - 1) < 1e-12);
    assert.equal(ref.weights[1], 0, 'causal: the first query sees only the first key');
  });

  it('PositionalEmbedding: sinusoidal (a constant, no parameters) and learned', async () => {
    const sin = new L.PositionalEmbedding({ kind: 'sinusoidal' });
    const table = L.sinusoidalTable(4, 6);
    assert.ok(Math.abs(table[1 * 6 + 0]! - Math.sin(1)) < 1e-7 && Math.abs(table[2 * 6 + 3]! - Math.cos(2 / 10000 ** (2 / 6))) < 1e-7);
    assertOk(await checkCase({ ...layerCase(sin, [2, 4, 6], { reference: ([x]) => x!.map((v, i) => v + table[i % 24]!) }), label: 'sinusoidal' }));
    const learned = new L.PositionalEmbedding();
    assertOk(await checkCase(layerCase(learned, [2, 3, 4], { reference: ([x, pe]) => x!.map((v, i) => v + pe![i % 12]!) })));
    assert.equal((await runLayer(sin, [1, 4, 6], new Array(24).fill(0))).ctx.specs.length, 0);
  });

  it('PatchEmbedding cuts [N, C, H, W] into row-major patches (row, column, channel) and projects them', async () => {
    const layer = new L.PatchEmbedding({ patchSize: [2, 3], embedDim: 3 });
    const [n, c, h, w, p, q] = [2, 2, 4, 6, 2, 3];
    const patchRef = (x: Float64Array) => {
      const out = new Float64Array(x.length);
      let o = 0;
      for (let ni = 0; ni < n; ni++) for (let ph = 0; ph < h / p; ph++) for (let pw = 0; pw < w / q; pw++) {
        for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) for (let ci = 0; ci < c; ci++) out[o++] = x[((ni * c + ci) * h + ph * p + i) * w + pw * q + j]!;
      }
      return out;
    };
    assertOk(await checkCase(layerCase(layer, [n, c, h, w], { reference: ([x, k, b]) => linear(patchRef(x!), k!, b!, p * q * c, 3) })));
    // unpatchify undoes patchify exactly.
    const g = new Graph(0);
    const x = g.input('x', ['N', c, h, w]);
    const back = L.unpatchify(g, L.patchify(g, x, [p, q]), [c, h, w], [p, q]);
    const { compile } = await import('../../src/onnx/compile.js');
    const compiled = await compile(g, { back });
    const data = Float32Array.from({ length: n * c * h * w }, (_, i) => i);
    const out = await compiled.run({ x: { dtype: 'float32', shape: [n, c, h, w], data } });
    await compiled.release();
    assert.deepEqual(Array.from(out.back!.data as Float32Array), Array.from(data));
  });

  it('TransformerBlock (pre-LN, GELU MLP) against the composition of the references', async () => {
    const layer = new L.TransformerBlock({ numHeads: 2, mlpDim: 6 });
    const d: MhaDims = { n: 2, t: 3, s: 3, fq: 4, fv: 4, h: 2, dk: 2, dv: 2, out: 4 };
    const reference = ([x, g1, b1, ...rest]: Float64Array[]) => {
      const attn = rest.slice(0, 8);
      const [g2, b2, w1, c1, w2, c2] = rest.slice(8) as Float64Array[];
      const n1 = layerNormRef(x!, 4, g1, b1);
      const mid = mhaRef(n1, n1, attn, d).y.map((v, i) => v + x![i]!);
      const hidden = linear(layerNormRef(mid, 4, g2, b2), w1!, c1!, 4, 6).map(gelu);
      return linear(hidden, w2!, c2!, 6, 4).map((v, i) => v + mid[i]!);
    };
    assertOk(await checkCase(layerCase(layer, [2, 3, 4], { reference })));
  });

  it('TransformerBlock with cross-attention (a decoder block) against the composition of the references, memory padding masked', async () => {
    const layer = new L.TransformerBlock({ numHeads: 2, mlpDim: 6, crossAttention: true });
    const self: MhaDims = { n: 2, t: 3, s: 3, fq: 4, fv: 4, h: 2, dk: 2, dv: 2, out: 4 };
    const cross: MhaDims = { n: 2, t: 3, s: 5, fq: 4, fv: 3, h: 2, dk: 2, dv: 2, out: 4 };
    const keep = [1, 1, 1, 1, 0, 1, 1, 0, 0, 0];
    const c: OpCase = {
      op: 'TransformerBlock',
      label: 'cross-attention block, memory padding',
      dtype: 'float32',
      inputs: [{ shape: [2, 3, 4] }, { shape: [2, 5, 3] }, { shape: [2, 5], kind: 'fixed', values: keep, constant: true }],
      build: (g, [x, memory, m]) => layer.apply(new L.GraphBuildContext(g, false), x!, { memory: memory!, memoryPadding: m! }).output,
      reference: ([x, memory, , g1, b1, ...rest]) => {
        const [gc, bc] = rest.slice(8, 10) as Float64Array[];
        const [g2, b2, w1, c1, w2, c2] = rest.slice(18) as Float64Array[];
        const n1 = layerNormRef(x!, 4, g1, b1);
        const mid = mhaRef(n1, n1, rest.slice(0, 8), self).y.map((v, i) => v + x![i]!);
        const crossed = mhaRef(layerNormRef(mid, 4, gc, bc), memory!, rest.slice(10, 18), cross, (n, _, s) => keep[n * 5 + s] === 1).y.map((v, i) => v + mid[i]!);
        const hidden = linear(layerNormRef(crossed, 4, g2, b2), w1!, c1!, 4, 6).map(gelu);
        return linear(hidden, w2!, c2!, 6, 4).map((v, i) => v + crossed[i]!);
      },
    };
    assertOk(await checkCase(c));
    const g = new Graph(0);
    const ctx = new L.GraphBuildContext(g, false);
    const x = g.input('x', ['N', 3, 4]);
    assert.throws(() => layer.call(ctx, x), /needs its memory/);
    assert.throws(() => new L.TransformerBlock({ numHeads: 2 }).apply(ctx, x, { memory: x }), /without crossAttention/);
    const { crossWeights } = layer.apply(ctx, x, { memory: g.input('m', ['N', 5, 3]) });
    assert.deepEqual(crossWeights!.shape, ['N', 2, 3, 5]);
  });

  it('layers round-trip through their configs and reject bad arguments naming the field', () => {
    for (const layer of [
      new L.LayerNormalization({ epsilon: 1e-6, center: false }),
      new L.MultiHeadAttention({ numHeads: 4, keyDim: 8, outputDim: 16, causal: true }),
      new L.PositionalEmbedding({ kind: 'sinusoidal' }),
      new L.PatchEmbedding({ patchSize: 7, embedDim: 32 }),
      new L.TransformerBlock({ numHeads: 2, mlpDim: 64, dropout: 0.1 }),
      new L.TransformerBlock({ numHeads: 2, crossAttention: true }),
    ]) {
      assert.deepEqual(L.layerFromJSON(JSON.parse(JSON.stringify(layer.toJSON()))).toJSON(), layer.toJSON());
    }
    assert.throws(() => new L.MultiHeadAttention({ numHeads: 0, keyDim: 2 }), /numHeads must be a positive integer/);
    assert.throws(() => new L.PositionalEmbedding({ kind: 'rotary' as 'learned' }), /kind must be 'learned' or 'sinusoidal'/);
    assert.throws(() => new L.PatchEmbedding({ patchSize: 5, embedDim: 8 }).computeOutputShape(['N', 1, 28, 28]), /patches of 5×5 must tile the 28×28 image/);
    assert.throws(() => new L.TransformerBlock({ numHeads: 3 }).computeOutputShape(['N', 4, 8]), /8 features do not split into 3 heads/);
  });
});
