/**
 * The Fréchet distance between two sets of feature vectors, each summarized
 * by a Gaussian (the statistic behind FID, Heusel et al. 2017). aekit computes
 * it in the feature space of its own classifier, so its values are not
 * comparable with published FIDs (which use Inception-v3 features).
 */
import { featureMatrix, type FeatureSet } from './features.js';
import { symmetricEigen } from './linalg.js';

/** Mean (length d) and covariance (d×d row-major, denominator n − 1) of the rows, in float64. */
export function meanAndCovariance(x: Float32Array, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  if (n < 2) throw new Error(`meanAndCovariance: needs at least 2 rows, got ${n}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = x[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b]! += ra * row[b]!;
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const v = cov[a * d + b]! / (n - 1);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
  }
  return { mean, cov };
}

/** The symmetric square root of a symmetric positive semi-definite matrix (eigenvalues below 0, rounding, taken as 0). */
function sqrtPsd(a: Float64Array, d: number): Float64Array {
  const v = Float64Array.from(a);
  const lambda = new Float64Array(d);
  symmetricEigen(v, d, lambda); // rows of v: unit eigenvectors
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const s = Math.sqrt(Math.max(lambda[k]!, 0));
    if (s === 0) continue;
    for (let i = 0; i < d; i++) {
      const vi = v[k * d + i]! * s;
      for (let j = 0; j < d; j++) out[i * d + j]! += vi * v[k * d + j]!;
    }
  }
  return out;
}

/** C = A·B for d×d row-major matrices. */
function matmul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const c = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) c[i * d + j]! += aik * b[k * d + j]!;
    }
  }
  return c;
}

/**
 * Fréchet distance between the Gaussians fitted to two feature sets:
 *
 *   FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^{½} Σ₂ Σ₁^{½})^{½}),
 *
 * the squared 2-Wasserstein distance between N(μ₁, Σ₁) and N(μ₂, Σ₂).
 * Σ₁^{½} Σ₂ Σ₁^{½} is symmetric positive semi-definite, so both square roots
 * come from eigendecompositions of symmetric matrices (Householder + QL, in
 * float64), with no general non-symmetric matrix square root; its trace term
 * is Σᵢ √λᵢ. Eigenvalues below zero (rounding) count as zero.
 */
export function frechetDistance(a: FeatureSet, b: FeatureSet): number {
  const fa = featureMatrix(a, 'frechetDistance: a');
  const fb = featureMatrix(b, 'frechetDistance: b');
  if (fa.d !== fb.d) throw new Error(`frechetDistance: the sets have ${fa.d} and ${fb.d} features per row`);
  const d = fa.d;
  const ga = meanAndCovariance(fa.x, fa.n, d);
  const gb = meanAndCovariance(fb.x, fb.n, d);
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (ga.mean[j]! - gb.mean[j]!) ** 2;
  const s1 = sqrtPsd(ga.cov, d);
  const m = matmul(matmul(s1, gb.cov, d), s1, d);
  // Symmetrize what rounding broke, so the eigensolver sees a symmetric matrix.
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) m[i * d + j] = m[j * d + i] = (m[i * d + j]! + m[j * d + i]!) / 2;
  const lambda = new Float64Array(d);
  symmetricEigen(m, d, lambda);
  let traceTerm = 0;
  for (let k = 0; k < d; k++) traceTerm += ga.cov[k * d + k]! + gb.cov[k * d + k]! - 2 * Math.sqrt(Math.max(lambda[k]!, 0));
  return Math.max(meanTerm + traceTerm, 0);
}
