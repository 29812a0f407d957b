/**
 * Principal component analysis: the optimum of a linear autoencoder, used as
 * the baseline the trained models are measured against (issue #5).
 *
 * The fit centres the data, accumulates the d×d scatter matrix XᵀX in float64
 * (skipping zero entries, so sparse data such as MNIST, about 80 % zeros, costs
 * a fraction of the dense n·d²/2 multiply-adds), forms the covariance
 * (XᵀX − n·μμᵀ)/n, and diagonalizes it exactly with Householder
 * tridiagonalization followed by the implicit QL algorithm (the EISPACK
 * tred2/tql2 pair, as in JAMA). The 60,000 × 784 MNIST fit takes a few seconds
 * on one core. Components are unit-norm eigenvectors sorted by decreasing
 * eigenvalue, with the sign fixed so the largest-magnitude entry is positive.
 */

export interface PcaData {
  x: Float32Array;
  /** [n, ...sampleShape]; the features of one sample are the product of the sample shape. */
  shape: number[];
}

import { ConfigError, objectOf } from '../config/validate.js';
import { symmetricEigen } from '../eval/linalg.js';

export { symmetricEigen };

export interface PcaFitOptions {
  /** Number of principal components k to keep (1 ≤ k ≤ d). */
  components: number;
}

export interface PcaJson {
  format: 'aekit-pca';
  version: 1;
  features: number;
  components: number;
  samples: number;
  mean: number[];
  /** k rows of d values. */
  axes: number[][];
  explainedVariance: number[];
  totalVariance: number;
}

/** What a non-Float32Array input is, for messages. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a plain Array (wrap it: new Float32Array(values))';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} (convert it: Float32Array.from(values))`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function dims(data: PcaData, what: string): { n: number; d: number } {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TypeError(`${what}: data must be { x: Float32Array, shape: [n, ...sampleShape] } or a Float32Array, got ${kindOf(data)}`);
  }
  if (!(data.x instanceof Float32Array)) throw new TypeError(`${what}: data.x must be a Float32Array, got ${kindOf(data.x)}`);
  const shape: unknown = data.shape;
  if (!Array.isArray(shape) || shape.length < 2 || !shape.every((v) => Number.isInteger(v) && v >= 0)) {
    throw new RangeError(`${what}: data.shape must be [n, ...sampleShape] of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const n = data.shape[0]!;
  const d = data.shape.slice(1).reduce((a, b) => a * b, 1);
  if (data.x.length !== n * d) throw new RangeError(`${what}: ${data.x.length} values do not fill shape [${data.shape}]`);
  return { n, d };
}

/** Throws naming the sample and feature of the first NaN or ±Infinity in `x` (d features per sample). */
function checkFinite(x: Float32Array, d: number, what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new RangeError(`${what}: sample ${Math.floor(i / d)} holds ${x[i]} at feature ${i % d}`);
  }
}

const FIT_OPTIONS = ['components'] as const;
const JSON_FIELDS = ['format', 'version', 'features', 'components', 'samples', 'mean', 'axes', 'explainedVariance', 'totalVariance'] as const;

/** `v` as an array of `length` finite numbers (`min` or more), or a ConfigError naming the field. */
function finiteArray(v: unknown, length: number, path: string, min = -Infinity): number[] {
  if (!Array.isArray(v) || v.length !== length) {
    throw new ConfigError(path, `expected ${length} numbers, got ${Array.isArray(v) ? `${v.length} values` : JSON.stringify(v) ?? String(v)}`);
  }
  v.forEach((x, i) => finiteNumber(x, `${path}[${i}]`, min));
  return v as number[];
}

function finiteNumber(x: unknown, path: string, min = -Infinity): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min) {
    throw new ConfigError(path, `expected a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${JSON.stringify(x) ?? String(x)}`);
  }
  return x;
}

function countField(v: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ConfigError(path, `expected an integer >= ${min}, got ${JSON.stringify(v) ?? String(v)}`);
  return v;
}

export class PCA {
  private constructor(
    /** Feature mean, length d. */
    readonly mean: Float64Array,
    /** k × d row-major; row i is the i-th principal axis (unit norm). */
    readonly axes: Float64Array,
    /** Variance along each kept axis (eigenvalues of the covariance, divided by n). */
    readonly explainedVariance: Float64Array,
    /** Trace of the covariance: the per-sample variance summed over all d features. */
    readonly totalVariance: number,
    readonly features: number,
    /** Number of samples fitted on. */
    readonly samples: number,
  ) {}

  /** Number of kept components k. */
  get components(): number {
    return this.explainedVariance.length;
  }

  /** Fraction of the total variance each kept component explains. */
  get explainedVarianceRatio(): Float64Array {
    return this.explainedVariance.map((v) => v / this.totalVariance);
  }

  /**
   * Fits k principal axes to the samples.
   * @throws {ConfigError} for an unknown option (`PCA.fit.component: unknown option; allowed options: components`).
   * @throws {RangeError} or {TypeError} for missing options, `components` out of [1, features], data that is not a Float32Array of the stated shape, holds NaN/Infinity, or has fewer than 2 samples.
   */
  static fit(data: PcaData, options: PcaFitOptions): PCA {
    if (options === undefined) throw new TypeError('PCA.fit: options { components } are required (the number of axes to keep)');
    objectOf(options, 'PCA.fit', FIT_OPTIONS, 'option');
    const { n, d } = dims(data, 'PCA.fit');
    const k = options.components;
    if (!(typeof k === 'number' && Number.isInteger(k) && k >= 1 && k <= d)) throw new RangeError(`PCA.fit: components must be an integer in [1, ${d}], got ${JSON.stringify(k) ?? String(k)}`);
    if (n < 2) throw new RangeError(`PCA.fit: needs at least 2 samples, got ${n}`);
    const x = data.x;
    checkFinite(x, d, 'PCA.fit');
    const mean = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      const o = r * d;
      for (let j = 0; j < d; j++) mean[j]! += x[o + j]!;
    }
    for (let j = 0; j < d; j++) mean[j]! /= n;

    // Upper triangle of XᵀX, one rank-1 update per sample over its non-zero entries.
    const s = new Float64Array(d * d);
    const idx = new Int32Array(d);
    const val = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      const o = r * d;
      let m = 0;
      for (let j = 0; j < d; j++) {
        const v = x[o + j]!;
        if (v !== 0) {
          idx[m] = j;
          val[m++] = v;
        }
      }
      for (let a = 0; a < m; a++) {
        const va = val[a]!;
        const row = idx[a]! * d;
        for (let b = a; b < m; b++) s[row + idx[b]!]! += va * val[b]!;
      }
    }
    // Covariance (population, divided by n), mirrored to the lower triangle.
    let totalVariance = 0;
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        const c = s[i * d + j]! / n - mean[i]! * mean[j]!;
        s[i * d + j] = c;
        s[j * d + i] = c;
      }
      totalVariance += s[i * d + i]!;
    }

    const eigenvalues = new Float64Array(d);
    symmetricEigen(s, d, eigenvalues); // s now holds eigenvectors as rows, ascending eigenvalues
    const axes = new Float64Array(k * d);
    const explained = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const row = (d - 1 - c) * d;
      explained[c] = Math.max(0, eigenvalues[d - 1 - c]!);
      let big = 0;
      for (let j = 0; j < d; j++) if (Math.abs(s[row + j]!) > Math.abs(big)) big = s[row + j]!;
      const sign = big < 0 ? -1 : 1;
      for (let j = 0; j < d; j++) axes[c * d + j] = sign * s[row + j]!;
    }
    return new PCA(mean, axes, explained, totalVariance, d, n);
  }

  /** The same fit keeping only the first `k` components (k ≤ this.components). */
  truncate(k: number): PCA {
    if (!(Number.isInteger(k) && k >= 1 && k <= this.components)) throw new RangeError(`PCA.truncate: k must be an integer in [1, ${this.components}], got ${k}`);
    return new PCA(this.mean, this.axes.slice(0, k * this.features), this.explainedVariance.slice(0, k), this.totalVariance, this.features, this.samples);
  }

  /** The samples of an input as a flat Float32Array, checked: whole samples of `features` values, all finite. */
  private check(data: PcaData | Float32Array, what: string): { x: Float32Array; n: number } {
    if (data instanceof Float32Array) {
      const n = data.length / this.features;
      if (!Number.isInteger(n)) throw new RangeError(`${what}: ${data.length} values are not a whole number of ${this.features}-feature samples`);
      checkFinite(data, this.features, what);
      return { x: data, n };
    }
    const { n, d } = dims(data, what);
    if (d !== this.features) throw new RangeError(`${what}: samples have ${d} features, the PCA was fitted on ${this.features}`);
    checkFinite(data.x, d, what);
    return { x: data.x, n };
  }

  /** Codes: (x − μ) · Wᵀ = x · Wᵀ − μ · Wᵀ, [n, k] row-major (zero inputs are skipped). */
  transform(data: PcaData | Float32Array): Float32Array {
    const { x, n } = this.check(data, 'PCA.transform');
    const d = this.features;
    const k = this.components;
    // Wᵀ (d × k) so one input feature adds one contiguous row, and μ · Wᵀ.
    const wt = new Float64Array(d * k);
    const offset = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        const w = this.axes[c * d + j]!;
        wt[j * k + c] = w;
        offset[c]! -= this.mean[j]! * w;
      }
    }
    const out = new Float32Array(n * k);
    const acc = new Float64Array(k);
    for (let r = 0; r < n; r++) {
      acc.set(offset);
      const o = r * d;
      for (let j = 0; j < d; j++) {
        const v = x[o + j]!;
        if (v === 0) continue;
        const w = j * k;
        for (let c = 0; c < k; c++) acc[c]! += v * wt[w + c]!;
      }
      out.set(acc, r * k);
    }
    return out;
  }

  /** Reconstructions from codes [n, k]: μ + z · W, [n, d] row-major. */
  inverseTransform(z: Float32Array): Float32Array {
    const k = this.components;
    const d = this.features;
    if (!(z instanceof Float32Array)) throw new TypeError(`PCA.inverseTransform: codes must be a Float32Array, got ${kindOf(z)}`);
    const n = z.length / k;
    if (!Number.isInteger(n)) throw new RangeError(`PCA.inverseTransform: ${z.length} values are not a whole number of ${k}-component codes`);
    checkFinite(z, k, 'PCA.inverseTransform');
    const out = new Float32Array(n * d);
    const row = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      row.set(this.mean);
      for (let c = 0; c < k; c++) {
        const zc = z[r * k + c]!;
        const w = c * d;
        for (let j = 0; j < d; j++) row[j]! += zc * this.axes[w + j]!;
      }
      out.set(row, r * d);
    }
    return out;
  }

  /** Projection onto the k-dimensional principal subspace, [n, d]. */
  reconstruct(data: PcaData | Float32Array): Float32Array {
    return this.inverseTransform(this.transform(data));
  }

  /** Mean squared reconstruction error per element (per pixel): mean over n·d of (x − x̂)². */
  reconstructionMse(data: PcaData | Float32Array): number {
    const { x, n } = this.check(data, 'PCA.reconstructionMse');
    const rec = this.reconstruct(x);
    let sum = 0;
    for (let i = 0; i < rec.length; i++) {
      const e = x[i]! - rec[i]!;
      sum += e * e;
    }
    return sum / (n * this.features);
  }

  toJSON(): PcaJson {
    const d = this.features;
    return {
      format: 'aekit-pca', version: 1, features: d, components: this.components, samples: this.samples,
      mean: Array.from(this.mean),
      axes: Array.from({ length: this.components }, (_, c) => Array.from(this.axes.subarray(c * d, (c + 1) * d))),
      explainedVariance: Array.from(this.explainedVariance),
      totalVariance: this.totalVariance,
    };
  }

  /**
   * Restores a PCA saved with `toJSON()` (the object or its JSON text). Every
   * field is checked before use, so a damaged or hand-edited file fails naming
   * the field (`PCA.fromJSON.axes[1][3]: expected a finite number, got null`)
   * rather than giving NaN codes later.
   * @throws {ConfigError} for invalid JSON text, a missing, unknown or malformed field.
   */
  static fromJSON(json: PcaJson | string): PCA {
    const path = 'PCA.fromJSON';
    let parsed: unknown = json;
    if (typeof json === 'string') {
      try {
        parsed = JSON.parse(json);
      } catch (e) {
        throw new ConfigError(path, `not valid JSON (${(e as Error).message}); the text is damaged or truncated`);
      }
    }
    const j = objectOf(parsed, path, JSON_FIELDS);
    if (j.format !== 'aekit-pca') throw new ConfigError(`${path}.format`, `expected 'aekit-pca', got ${JSON.stringify(j.format) ?? 'undefined'}`);
    if (j.version !== 1) throw new ConfigError(`${path}.version`, `unsupported version ${JSON.stringify(j.version) ?? 'undefined'}; this aekit reads version 1`);
    const d = countField(j.features, `${path}.features`, 1);
    const k = countField(j.components, `${path}.components`, 1);
    if (k > d) throw new ConfigError(`${path}.components`, `${k} components cannot exceed the ${d} features`);
    const samples = countField(j.samples, `${path}.samples`, 2);
    const mean = finiteArray(j.mean, d, `${path}.mean`);
    if (!Array.isArray(j.axes) || j.axes.length !== k) throw new ConfigError(`${path}.axes`, `expected ${k} rows of ${d} numbers, got ${Array.isArray(j.axes) ? `${j.axes.length} rows` : JSON.stringify(j.axes) ?? 'undefined'}`);
    const axes = new Float64Array(k * d);
    j.axes.forEach((a: unknown, c: number) => axes.set(finiteArray(a, d, `${path}.axes[${c}]`), c * d));
    const explained = finiteArray(j.explainedVariance, k, `${path}.explainedVariance`, 0);
    const total = finiteNumber(j.totalVariance, `${path}.totalVariance`, 0);
    return new PCA(Float64Array.from(mean), axes, Float64Array.from(explained), total, d, samples);
  }
}

