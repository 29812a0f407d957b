import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frechetDistance, meanAndCovariance } from '../../src/eval/frechet.js';
import { mulberry32 } from '../../src/eval/stats.js';

/** n rows of d standard normal values (Box–Muller from a seeded generator). */
function gaussian(n: number, d: number, seed: number): Float32Array {
  const u = mulberry32(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return x;
}

/** Rows mapped by x ↦ A x + b (A d×d row-major). */
function affine(x: Float32Array, d: number, a: number[], b: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length / d; i++) for (let r = 0; r < d; r++) {
    let s = b[r]!;
    for (let c = 0; c < d; c++) s += a[r * d + c]! * x[i * d + c]!;
    out[i * d + r] = s;
  }
  return out;
}

describe('frechetDistance', () => {
  it('matches the closed form for one dimension: (μ₁ − μ₂)² + (σ₁ − σ₂)², with the sample moments', () => {
    const a = gaussian(500, 1, 1);
    const b = affine(gaussian(700, 1, 2), 1, [3], [2]);
    const ma = meanAndCovariance(a, 500, 1);
    const mb = meanAndCovariance(b, 700, 1);
    const expected = (ma.mean[0]! - mb.mean[0]!) ** 2 + (Math.sqrt(ma.cov[0]!) - Math.sqrt(mb.cov[0]!)) ** 2;
    assert.ok(Math.abs(frechetDistance({ x: a, shape: [500, 1] }, { x: b, shape: [700, 1] }) - expected) < 1e-9 * expected);
  });

  it('is zero for a set against itself, symmetric, and unchanged by a rotation of both sets', () => {
    const d = 3;
    const a = gaussian(400, d, 3);
    const b = affine(gaussian(400, d, 4), d, [1, 0.5, 0, 0, 2, 0.3, 0.2, 0, 0.7], [1, -1, 0.5]);
    const fd = (x: Float32Array, y: Float32Array) => frechetDistance({ x, shape: [400, d] }, { x: y, shape: [400, d] });
    assert.ok(Math.abs(fd(a, a)) < 1e-9);
    const ab = fd(a, b);
    assert.ok(ab > 1);
    assert.ok(Math.abs(fd(b, a) - ab) < 1e-9 * ab);
    const t = Math.PI / 5;
    const rot = [Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t), 0, 0, 0, 1];
    assert.ok(Math.abs(fd(affine(a, d, rot, [0, 0, 0]), affine(b, d, rot, [0, 0, 0])) - ab) < 1e-4 * ab);
  });

  it('equals the Gaussian 2-Wasserstein distance of population moments for large samples (non-commuting covariances)', () => {
    // a ~ N(0, I); b = A z with A symmetric: Σ_b = A², so (Σ_a^{½} Σ_b Σ_a^{½})^{½} = A and FD = Tr(I + A² − 2A) = ‖A − I‖²_F.
    const d = 2;
    const A = [2, 0.6, 0.6, 0.5];
    const n = 200_000;
    const fd = frechetDistance({ x: gaussian(n, d, 5), shape: [n, d] }, { x: affine(gaussian(n, d, 6), d, A, [0, 0]), shape: [n, d] });
    const exact = (2 - 1) ** 2 + 2 * 0.6 ** 2 + (0.5 - 1) ** 2;
    assert.ok(Math.abs(fd - exact) < 0.03, `${fd} vs ${exact}`);
  });

  it('names mismatched sets', () => {
    assert.throws(() => frechetDistance({ x: new Float32Array(6), shape: [3, 2] }, { x: new Float32Array(6), shape: [2, 3] }), /2 and 3 features per row/);
  });
});
