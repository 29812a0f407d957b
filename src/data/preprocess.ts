import { ConfigError, argNames, optionsOf, show } from '../config/validate.js';
import type { Samples } from './types.js';
import { shapeSize } from './types.js';

/**
 * Whether statistics are kept per feature (each position of a sample, e.g. each
 * pixel) or over all values at once (one min/max or mean/std for the whole data).
 */
export type ScalerAxis = 'feature' | 'global';

/** JSON form of a fitted {@link MinMaxScaler}. */
export interface MinMaxScalerJSON {
  kind: 'minmax';
  axis: ScalerAxis;
  /** Shape of one sample the scaler was fitted on. */
  sampleShape: number[];
  min: number[];
  max: number[];
  count: number;
  clip: boolean;
}

/** JSON form of a fitted {@link StandardScaler}. */
export interface StandardScalerJSON {
  kind: 'zscore';
  axis: ScalerAxis;
  sampleShape: number[];
  mean: number[];
  std: number[];
  count: number;
}

export type ScalerJSON = MinMaxScalerJSON | StandardScalerJSON;

/** What both scalers offer. */
export interface Scaler {
  readonly fitted: boolean;
  /** Accumulates statistics from one batch; lets a scaler be fitted on a stream too large for memory. */
  partialFit(data: Samples): this;
  /** Fits on all of `data` (resetting earlier statistics). */
  fit(data: Samples): this;
  /** Returns a scaled copy of `data.x`. */
  transform(data: Samples): Float32Array;
  /** Scales `data.x` in place and returns it. */
  transformInPlace(data: Samples): Float32Array;
  /** Undoes {@link transform}, e.g. to show reconstructions in the original units. */
  inverseTransform(data: Samples): Float32Array;
  /**
   * The transform as constants: y = (x − shift[k]) · mul[k] in float64, k the
   * feature (one slot for axis 'global'), rounded to float32, then clamped to
   * [0, 1] when `clip`; for exports that bake the scaling into a graph.
   */
  constants(): ScalerConstants;
  toJSON(): ScalerJSON;
}

/** A fitted scaler's transform as constants: see {@link Scaler.constants}. */
export interface ScalerConstants {
  axis: ScalerAxis;
  sampleShape: number[];
  shift: Float64Array;
  mul: Float64Array;
  clip: boolean;
}

/** Options of {@link MinMaxScaler}. */
export interface MinMaxScalerOptions {
  /** Statistics per feature (default) or over all values. */
  axis?: ScalerAxis;
  /** Clamp transformed values of new data to [0, 1]. Default false. */
  clip?: boolean;
}

/** Options of {@link StandardScaler}. */
export interface StandardScalerOptions {
  /** Statistics per feature (default) or over all values. */
  axis?: ScalerAxis;
}

const MINMAX_OPTIONS = argNames<MinMaxScalerOptions>()(['axis', 'clip']);
const STANDARD_OPTIONS = argNames<StandardScalerOptions>()(['axis']);

function checkAxis(v: unknown, path: string): ScalerAxis {
  if (v === undefined) return 'feature';
  if (v !== 'feature' && v !== 'global') throw new ConfigError(path, `expected 'feature' (statistics per feature) or 'global' (over all values), got ${show(v)}`);
  return v;
}

abstract class BaseScaler {
  protected sampleShape: number[] | undefined;
  protected count = 0;

  constructor(readonly axis: ScalerAxis) {}

  get fitted(): boolean {
    return this.count > 0;
  }

  /** Number of statistics slots: one per feature, or one. */
  protected width(): number {
    return this.axis === 'global' ? 1 : shapeSize(this.sampleShape!);
  }

  protected checkShape(data: Samples, what: string): number {
    const s = data.shape.slice(1);
    if (this.sampleShape === undefined) {
      this.sampleShape = [...s];
    } else if (s.length !== this.sampleShape.length || s.some((d, i) => d !== this.sampleShape![i])) {
      throw new RangeError(`${what}: samples of shape [${s.join(', ')}] do not match the fitted shape [${this.sampleShape.join(', ')}]`);
    }
    const d = shapeSize(s);
    if (data.x.length !== (data.shape[0] ?? 0) * d) {
      throw new RangeError(`${what}: x has ${data.x.length} values, shape [${data.shape.join(', ')}] needs ${(data.shape[0] ?? 0) * d}`);
    }
    return d;
  }

  protected needFitted(what: string): void {
    if (!this.fitted) throw new Error(`${what}: the scaler is not fitted; call fit() or partialFit() first`);
  }

  /** Applies `y = (x - shift[k]) * mul[k]` with k the feature (or 0). */
  protected affine(data: Samples, shift: Float64Array, mul: Float64Array, inPlace: boolean, what: string, clip = false): Float32Array {
    this.needFitted(what);
    const d = this.checkShape(data, what);
    const out = inPlace ? data.x : new Float32Array(data.x.length);
    const x = data.x;
    if (this.axis === 'global') {
      const s = shift[0]!, m = mul[0]!;
      for (let i = 0; i < x.length; i++) out[i] = (x[i]! - s) * m;
    } else {
      for (let i = 0; i < x.length; i += d) {
        for (let j = 0; j < d; j++) out[i + j] = (x[i + j]! - shift[j]!) * mul[j]!;
      }
    }
    if (clip) for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i]!));
    return out;
  }
}

/**
 * Min-max scaling to [0, 1]: `y = (x - min) / (max - min)`, with min and max
 * fitted on the training data. A feature that is constant in the training data
 * (e.g. an always-black border pixel) maps to `x - min`, i.e. 0 on that data,
 * instead of dividing by zero.
 */
export class MinMaxScaler extends BaseScaler implements Scaler {
  private min: Float64Array = new Float64Array(0);
  private max: Float64Array = new Float64Array(0);
  /** Clamp transformed values of new data to [0, 1]. */
  readonly clip: boolean;

  /** @throws {ConfigError} for an unknown option, an `axis` other than 'feature'/'global', a non-boolean `clip`. */
  constructor(options?: MinMaxScalerOptions) {
    const o = optionsOf(options, 'MinMaxScaler', MINMAX_OPTIONS);
    super(checkAxis(o.axis, 'MinMaxScaler.axis'));
    if (o.clip !== undefined && typeof o.clip !== 'boolean') throw new ConfigError('MinMaxScaler.clip', `expected true or false, got ${show(o.clip)}`);
    this.clip = o.clip ?? false;
  }

  partialFit(data: Samples): this {
    const d = this.checkShape(data, 'MinMaxScaler.partialFit');
    const w = this.width();
    if (this.count === 0) {
      this.min = new Float64Array(w).fill(Infinity);
      this.max = new Float64Array(w).fill(-Infinity);
    }
    const x = data.x, mn = this.min, mx = this.max;
    for (let i = 0; i < x.length; i++) {
      const k = w === 1 ? 0 : i % d;
      const v = x[i]!;
      if (v < mn[k]!) mn[k] = v;
      if (v > mx[k]!) mx[k] = v;
    }
    this.count += data.shape[0] ?? 0;
    return this;
  }

  fit(data: Samples): this {
    this.count = 0;
    this.sampleShape = undefined;
    return this.partialFit(data);
  }

  private coefficients(): [Float64Array, Float64Array] {
    const mul = this.max.map((mx, k) => (mx > this.min[k]! ? 1 / (mx - this.min[k]!) : 1));
    return [this.min, mul];
  }

  transform(data: Samples): Float32Array {
    const [s, m] = this.coefficients();
    return this.affine(data, s, m, false, 'MinMaxScaler.transform', this.clip);
  }

  transformInPlace(data: Samples): Float32Array {
    const [s, m] = this.coefficients();
    return this.affine(data, s, m, true, 'MinMaxScaler.transform', this.clip);
  }

  constants(): ScalerConstants {
    this.needFitted('MinMaxScaler.constants');
    const [shift, mul] = this.coefficients();
    return { axis: this.axis, sampleShape: [...this.sampleShape!], shift: shift.slice(), mul, clip: this.clip };
  }

  inverseTransform(data: Samples): Float32Array {
    this.needFitted('MinMaxScaler.inverseTransform');
    // x = y * range + min  ⇔  y' = (y - (-min/range)) * range
    const range = this.max.map((mx, k) => (mx > this.min[k]! ? mx - this.min[k]! : 1));
    const shift = this.min.map((mn, k) => -mn / range[k]!);
    return this.affine(data, shift, range, false, 'MinMaxScaler.inverseTransform');
  }

  toJSON(): MinMaxScalerJSON {
    this.needFitted('MinMaxScaler.toJSON');
    return { kind: 'minmax', axis: this.axis, sampleShape: [...this.sampleShape!], min: Array.from(this.min), max: Array.from(this.max), count: this.count, clip: this.clip };
  }

  static fromJSON(j: MinMaxScalerJSON): MinMaxScaler {
    checkScalerJson(j, 'minmax', ['min', 'max']);
    if (typeof j.clip !== 'boolean') throw new RangeError(`minmax scaler JSON: clip must be true or false, got ${show(j.clip)}`);
    const below = j.max.findIndex((v, i) => v < j.min[i]!);
    if (below >= 0) throw new RangeError(`minmax scaler JSON: max[${below}] = ${j.max[below]} is below min[${below}] = ${j.min[below]}`);
    const s = new MinMaxScaler({ axis: j.axis, clip: j.clip });
    s.sampleShape = [...j.sampleShape];
    s.min = Float64Array.from(j.min);
    s.max = Float64Array.from(j.max);
    s.count = j.count;
    checkRestored(s.width(), [j.min, j.max], 'minmax');
    return s;
  }
}

/**
 * Z-score standardization: `y = (x - mean) / std` (population std), fitted on
 * the training data. Statistics are accumulated with Chan et al.'s parallel
 * update in float64, so fitting batch by batch gives the same result as
 * fitting at once and does not lose precision over millions of samples.
 * A constant feature (std 0) is only centred.
 */
export class StandardScaler extends BaseScaler implements Scaler {
  private mean: Float64Array = new Float64Array(0);
  private m2: Float64Array = new Float64Array(0);
  /** Values seen per slot (samples for 'feature', all values for 'global'). */
  private n = 0;

  /** @throws {ConfigError} for an unknown option or an `axis` other than 'feature'/'global'. */
  constructor(options?: StandardScalerOptions) {
    super(checkAxis(optionsOf(options, 'StandardScaler', STANDARD_OPTIONS).axis, 'StandardScaler.axis'));
  }

  partialFit(data: Samples): this {
    const d = this.checkShape(data, 'StandardScaler.partialFit');
    const w = this.width();
    if (this.count === 0) {
      this.mean = new Float64Array(w);
      this.m2 = new Float64Array(w);
      this.n = 0;
    }
    const x = data.x;
    const nb = w === 1 ? x.length : (data.shape[0] ?? 0);
    if (nb === 0) return this;
    // Batch statistics first, then merge: exact and cheap.
    const bm = new Float64Array(w);
    const bm2 = new Float64Array(w);
    for (let i = 0; i < x.length; i++) bm[w === 1 ? 0 : i % d]! += x[i]!;
    for (let k = 0; k < w; k++) bm[k]! /= nb;
    for (let i = 0; i < x.length; i++) {
      const k = w === 1 ? 0 : i % d;
      const dv = x[i]! - bm[k]!;
      bm2[k]! += dv * dv;
    }
    const na = this.n;
    const n = na + nb;
    for (let k = 0; k < w; k++) {
      const delta = bm[k]! - this.mean[k]!;
      this.mean[k]! += (delta * nb) / n;
      this.m2[k]! += bm2[k]! + (delta * delta * na * nb) / n;
    }
    this.n = n;
    this.count += data.shape[0] ?? 0;
    return this;
  }

  fit(data: Samples): this {
    this.count = 0;
    this.sampleShape = undefined;
    return this.partialFit(data);
  }

  private std(): Float64Array {
    return this.m2.map((v) => Math.sqrt(v / this.n));
  }

  private coefficients(): [Float64Array, Float64Array] {
    return [this.mean, this.std().map((s) => (s > 0 ? 1 / s : 1))];
  }

  transform(data: Samples): Float32Array {
    const [s, m] = this.coefficients();
    return this.affine(data, s, m, false, 'StandardScaler.transform');
  }

  transformInPlace(data: Samples): Float32Array {
    const [s, m] = this.coefficients();
    return this.affine(data, s, m, true, 'StandardScaler.transform');
  }

  constants(): ScalerConstants {
    this.needFitted('StandardScaler.constants');
    const [shift, mul] = this.coefficients();
    return { axis: this.axis, sampleShape: [...this.sampleShape!], shift: shift.slice(), mul, clip: false };
  }

  inverseTransform(data: Samples): Float32Array {
    this.needFitted('StandardScaler.inverseTransform');
    const std = this.std().map((s) => (s > 0 ? s : 1));
    const shift = this.mean.map((m, k) => -m / std[k]!);
    return this.affine(data, shift, std, false, 'StandardScaler.inverseTransform');
  }

  toJSON(): StandardScalerJSON {
    this.needFitted('StandardScaler.toJSON');
    return { kind: 'zscore', axis: this.axis, sampleShape: [...this.sampleShape!], mean: Array.from(this.mean), std: Array.from(this.std()), count: this.count };
  }

  static fromJSON(j: StandardScalerJSON): StandardScaler {
    checkScalerJson(j, 'zscore', ['mean', 'std']);
    const negative = j.std.findIndex((v) => v < 0);
    if (negative >= 0) throw new RangeError(`zscore scaler JSON: std[${negative}] = ${j.std[negative]} is negative`);
    const s = new StandardScaler({ axis: j.axis });
    s.sampleShape = [...j.sampleShape];
    s.mean = Float64Array.from(j.mean);
    s.count = j.count;
    // Rebuild the running sums so that partialFit can continue where fitting stopped.
    s.n = j.axis === 'global' ? j.count * shapeSize(j.sampleShape) : j.count;
    s.m2 = Float64Array.from(j.std, (v) => v * v * s.n);
    checkRestored(s.width(), [j.mean, j.std], 'zscore');
    return s;
  }
}

/**
 * Checks the fields of a saved scaler (a run folder's file, a source
 * description) before any is used, so that a damaged or hand-edited one is
 * refused naming the field rather than failing inside the arithmetic.
 */
function checkScalerJson(j: unknown, kind: 'minmax' | 'zscore', stats: string[]): void {
  const o = j as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) throw new RangeError(`${kind} scaler JSON: expected an object, got ${show(j)}`);
  if (o.axis !== 'feature' && o.axis !== 'global') throw new RangeError(`${kind} scaler JSON: axis must be 'feature' or 'global', got ${show(o.axis)}`);
  const shape = o.sampleShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
    throw new RangeError(`${kind} scaler JSON: sampleShape must be a non-empty array of positive integers, got ${show(shape)}`);
  }
  if (!(Number.isSafeInteger(o.count) && (o.count as number) > 0)) throw new RangeError(`${kind} scaler JSON: count must be a positive integer, got ${show(o.count)}`);
  const width = o.axis === 'global' ? 1 : shapeSize(shape as number[]);
  for (const name of stats) {
    const a = o[name];
    if (!Array.isArray(a) || a.length !== width) {
      throw new RangeError(`${kind} scaler JSON: ${name} must be an array of ${width} numbers (one per ${o.axis === 'global' ? 'scaler' : 'feature'}), got ${Array.isArray(a) ? `${a.length} values` : show(a)}`);
    }
    const bad = a.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`${kind} scaler JSON: ${name}[${bad}] must be a finite number, got ${show(a[bad])}`);
  }
}

function checkRestored(width: number, arrays: number[][], kind: string): void {
  if (arrays.some((a) => a.length !== width || a.some((v) => typeof v !== 'number' || !Number.isFinite(v)))) {
    throw new RangeError(`${kind} scaler JSON: expected ${width} finite statistics per array`);
  }
}

/**
 * Restores a scaler saved with `toJSON()` (e.g. from a model's metadata).
 * @throws {RangeError} naming the field, for anything but a valid scaler JSON.
 */
export function scalerFromJSON(json: ScalerJSON): Scaler {
  const o = json as unknown;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new RangeError(`scaler JSON: expected an object with kind 'minmax' or 'zscore' (what a scaler's toJSON() returns), got ${show(o)}`);
  }
  if (json.kind === 'minmax') return MinMaxScaler.fromJSON(json);
  if (json.kind === 'zscore') return StandardScaler.fromJSON(json);
  throw new RangeError(`scaler JSON: unknown scaler kind ${show((o as { kind?: unknown }).kind)}; expected 'minmax' or 'zscore'`);
}
