/**
 * Time-series anomaly detection: sliding windows over one or more numeric
 * channels, scored by an {@link AnomalyDetector} on the windows, spread back
 * to per-time-step scores (the mean of the windows covering each step), and
 * thresholded into flagged time ranges.
 */
import { StandardScaler, type StandardScalerJSON } from '../data/preprocess.js';
import { sizeOf } from '../graph/types.js';
import { type AutoencoderModel } from '../models/index.js';
import { AnomalyDetector, type AnomalyDetectorOptions, type DetectorFitOptions } from './detector.js';
import { AnomalyInputError } from './input.js';
import { type FlaggedRange, flaggedRanges } from './ranges.js';
import { readDetectorDir } from './store.js';
import { type SavedThresholdStrategy, type ThresholdStrategy, applyThresholdStrategy, checkStrategy } from './threshold.js';

export { type FlaggedRange, flaggedRanges } from './ranges.js';

/** A series: T steps of F channels, step after step (`shape` [T, F]), or a Float32Array of one channel. */
export type SeriesData = Float32Array | { x: Float32Array; shape: readonly number[] };

/** Window length and step. */
export interface WindowOptions {
  /** Steps per window (≥ 2). */
  window: number;
  /** Steps between window starts (≥ 1). Default 1. */
  stride?: number;
}

/** Windows cut from a series: [count, window, features], and where each starts. */
export interface Windows {
  x: Float32Array;
  shape: [number, number, number];
  starts: number[];
}

function checkWindowOptions(o: WindowOptions, what: string): { window: number; stride: number } {
  if (o === null || typeof o !== 'object') throw new TypeError(`${what}: expected { window, stride? }`);
  const { window } = o;
  const stride = o.stride ?? 1;
  if (!(Number.isInteger(window) && window >= 2)) throw new RangeError(`${what}: window must be an integer >= 2, got ${JSON.stringify(window)}`);
  if (!(Number.isInteger(stride) && stride >= 1)) throw new RangeError(`${what}: stride must be a positive integer, got ${JSON.stringify(o.stride)}`);
  if (stride > window) throw new RangeError(`${what}: stride ${stride} > window ${window} would leave steps no window covers`);
  return { window, stride };
}

/** Checks a series and returns its values, length T and channel count F. */
export function checkSeries(data: SeriesData, what: string, features?: number): { x: Float32Array; steps: number; features: number } {
  let x: Float32Array;
  let f: number;
  if (data instanceof Float32Array) {
    x = data;
    f = features ?? 1;
    if (x.length % f !== 0) throw new AnomalyInputError(`${what}: ${x.length} values are not whole steps of ${f} channels`);
  } else if (data !== null && typeof data === 'object' && data.x instanceof Float32Array && Array.isArray(data.shape)) {
    if (data.shape.length !== 2) throw new AnomalyInputError(`${what}: a series has shape [steps, channels], got [${data.shape}]`);
    x = data.x;
    f = data.shape[1]!;
    if (x.length !== data.shape[0]! * f) throw new AnomalyInputError(`${what}: x has ${x.length} values, shape [${data.shape}] needs ${data.shape[0]! * f}`);
    if (features !== undefined && f !== features) throw new AnomalyInputError(`${what}: the series has ${f} channels, the detector was fitted on ${features}`);
  } else {
    throw new AnomalyInputError(`${what}: expected a Float32Array or { x: Float32Array, shape: [steps, channels] }`);
  }
  const steps = x.length / f;
  if (steps === 0) throw new AnomalyInputError(`${what}: the series is empty`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) throw new AnomalyInputError(`${what}: step ${Math.floor(i / f)}, channel ${i % f} is ${x[i]}; impute or cut missing values first`);
  }
  return { x, steps, features: f };
}

/**
 * Cuts windows of `window` steps every `stride` steps from a series of T
 * steps and F channels (row after row). When (T − window) is not a multiple of
 * the stride, one more window ends at the last step, so every step is covered.
 */
export function slidingWindows(series: Float32Array, features: number, options: WindowOptions): Windows {
  const { window, stride } = checkWindowOptions(options, 'slidingWindows');
  const steps = series.length / features;
  if (!Number.isInteger(steps)) throw new RangeError(`slidingWindows: ${series.length} values are not whole steps of ${features} channels`);
  if (steps < window) throw new AnomalyInputError(`slidingWindows: the series has ${steps} steps, fewer than one window of ${window}`);
  const starts: number[] = [];
  for (let s = 0; s + window <= steps; s += stride) starts.push(s);
  if (starts[starts.length - 1]! + window < steps) starts.push(steps - window);
  const size = window * features;
  const x = new Float32Array(starts.length * size);
  starts.forEach((s, i) => x.set(series.subarray(s * features, s * features + size), i * size));
  return { x, shape: [starts.length, window, features], starts };
}

/** Per-step scores: each step gets the mean score of the windows that cover it. */
export function stepScores(windowScores: ArrayLike<number>, starts: readonly number[], window: number, steps: number): Float64Array {
  if (windowScores.length !== starts.length) throw new RangeError(`stepScores: ${windowScores.length} scores for ${starts.length} windows`);
  const sum = new Float64Array(steps);
  const count = new Uint32Array(steps);
  starts.forEach((s, i) => {
    for (let t = s; t < s + window && t < steps; t++) {
      sum[t] += windowScores[i]!;
      count[t]!++;
    }
  });
  for (let t = 0; t < steps; t++) {
    if (count[t] === 0) throw new RangeError(`stepScores: step ${t} is covered by no window`);
    sum[t] /= count[t]!;
  }
  return sum;
}

/**
 * A centred moving mean of `width` steps (shorter at the ends, where fewer
 * steps exist); width 1 returns a copy. Used on step scores, whose anomalies
 * on real series last for stretches rather than single steps.
 */
export function smoothSteps(scores: ArrayLike<number>, width: number): Float64Array {
  if (!(Number.isInteger(width) && width >= 1)) throw new RangeError(`smoothSteps: width must be a positive integer, got ${JSON.stringify(width)}`);
  const n = scores.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + scores[i]!;
  const before = Math.floor(width / 2);
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const a = Math.max(0, t - before);
    const b = Math.min(n, t - before + width);
    out[t] = (prefix[b]! - prefix[a]!) / (b - a);
  }
  return out;
}

/** Options of {@link TimeSeriesDetector}: the window detector's, plus windowing and channel scaling. */
export interface TimeSeriesDetectorOptions extends Omit<AnomalyDetectorOptions, 'scaler'> {
  window: number;
  stride?: number;
  /** Standardize each channel with its training mean and std before windowing (default true). */
  standardize?: boolean;
  /**
   * Width in steps of a centred moving mean over the step scores (1: none).
   * Default 2 × window: on NAB's development series it raised the mean
   * PR-AUC from 52.0 to 56.7 (docs/anomaly.md, "Time series: NAB").
   */
  smoothing?: number;
}

/** The result of {@link TimeSeriesDetector.detect}. */
export interface SeriesDetection {
  /** One score per step. */
  scores: Float64Array;
  /** 1 where the step's score is above the threshold. */
  flags: Uint8Array;
  ranges: FlaggedRange[];
}

/**
 * Anomaly detection on a multichannel series with an autoencoder over sliding
 * windows: a {@link RecurrentAutoencoder} or a {@link Conv1DAutoencoder} with
 * inputShape [window, channels], or a dense {@link Autoencoder} with
 * inputShape [window·channels] (the window's values in step order). The threshold applies to per-step scores
 * and is set from the training series' step scores.
 *
 * ```ts
 * const det = new TimeSeriesDetector(new RecurrentAutoencoder({ inputShape: [32, 2], encoder: { units: [16] } }), { window: 32, stride: 4 });
 * await det.fit({ x: normal, shape: [T, 2] }, { threshold: { type: 'max' } });
 * const { ranges } = await det.detect({ x: live, shape: [T2, 2] }); // [{ start, end, peak, maxScore }]
 * ```
 */
export class TimeSeriesDetector {
  readonly windows: AnomalyDetector;
  readonly window: number;
  readonly stride: number;
  readonly standardize: boolean;
  readonly smoothing: number;
  private scalerJson: StandardScalerJSON | null = null;
  private scaler: StandardScaler | null = null;
  private featuresValue = 0;
  private thresholdValue = NaN;
  private strategy: SavedThresholdStrategy = { type: 'manual' };

  constructor(model: AutoencoderModel | string | AnomalyDetector, options: TimeSeriesDetectorOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('TimeSeriesDetector: options { window, stride? } are required');
    const { window, stride, standardize, smoothing, ...rest } = options;
    ({ window: this.window, stride: this.stride } = checkWindowOptions({ window, stride }, 'TimeSeriesDetector options'));
    this.standardize = standardize ?? true;
    this.smoothing = smoothing ?? 2 * this.window;
    if (!(Number.isInteger(this.smoothing) && this.smoothing >= 1)) throw new RangeError(`TimeSeriesDetector options.smoothing: expected a positive integer (steps; 1 for none), got ${JSON.stringify(smoothing)}`);
    this.windows = model instanceof AnomalyDetector ? model : new AnomalyDetector(model, rest);
    const shape = this.windows.sampleShape;
    const size = sizeOf(shape);
    if (size % this.window !== 0 || (shape.length === 2 && shape[0] !== this.window)) {
      throw new RangeError(`TimeSeriesDetector: the model takes samples of shape [${shape}], which is not a window of ${this.window} steps ([${this.window}, channels] or [${this.window}·channels])`);
    }
    this.featuresValue = size / this.window;
  }

  /** Channels per step. */
  get features(): number {
    return this.featuresValue;
  }

  /** Steps scoring above this are flagged. Setting it makes the strategy 'manual'. */
  get threshold(): number {
    if (!this.windows.fitted) throw new Error('TimeSeriesDetector.threshold: not fitted; call fit(series) first');
    return this.thresholdValue;
  }

  set threshold(value: number) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new RangeError(`threshold: expected a finite number, got ${String(value)}`);
    this.thresholdValue = value;
    this.strategy = { type: 'manual' };
  }

  get thresholdStrategy(): SavedThresholdStrategy {
    return { ...this.strategy };
  }

  private windowed(data: SeriesData, what: string, fitScaler = false): { w: Windows; steps: number } {
    const s = checkSeries(data, what, this.featuresValue);
    let x = s.x;
    if (fitScaler && this.standardize) {
      const scaler = new StandardScaler().fit({ x, shape: [s.steps, s.features] });
      this.scalerJson = scaler.toJSON();
      this.scaler = StandardScaler.fromJSON(this.scalerJson);
    }
    if (this.scaler) x = this.scaler.transform({ x, shape: [s.steps, s.features] });
    return { w: slidingWindows(x, s.features, { window: this.window, stride: this.stride }), steps: s.steps };
  }

  private async stepScoresOf(w: Windows, steps: number): Promise<Float64Array> {
    return this.toSteps(await this.windows.score(this.asSamples(w)), w, steps);
  }

  private toSteps(windowScores: ArrayLike<number>, w: Windows, steps: number): Float64Array {
    const mean = stepScores(windowScores, w.starts, this.window, steps);
    return this.smoothing > 1 ? smoothSteps(mean, this.smoothing) : mean;
  }

  private asSamples(w: Windows): { x: Float32Array; shape: number[] } {
    return { x: w.x, shape: [w.starts.length, ...this.windows.sampleShape] };
  }

  /**
   * Fits on a series of normal behaviour: standardizes the channels, trains
   * the window detector (see {@link AnomalyDetector.fit}) and sets the step
   * threshold from the training series' step scores. In those, a window's
   * k-NN distance skips the training windows overlapping it (an exclusion
   * zone of ⌈window / stride⌉ windows, smaller when the series is too short
   * to leave k neighbours): they are near copies of it, and with them the
   * training scores (so the threshold and the standardization of a
   * `combined` score) would be those of data seen twice. A `bestF1`
   * threshold takes a labelled series (`x`) and per-step labels.
   */
  async fit(series: SeriesData, options: Omit<DetectorFitOptions, 'threshold' | 'exclusionZone'> & { threshold?: ThresholdStrategy } = {}): Promise<this> {
    if (options.contamination !== undefined && options.threshold !== undefined) throw new RangeError('fit: give contamination or threshold, not both');
    const strategy = options.threshold ?? { type: 'contamination', contamination: options.contamination ?? 0.1 };
    checkStrategy(strategy);
    const { w, steps } = this.windowed(series, 'fit', true);
    // Overlapping windows are near copies: a training window's k-NN score looks past them (see exclusionZone),
    // kept small enough to leave k neighbours for every window.
    const n = w.starts.length;
    const zone = Math.max(1, Math.min(Math.ceil(this.window / this.stride), Math.floor((n - this.windows.k + 1) / 2)));
    await this.windows.fit(this.asSamples(w), { train: options.train, threshold: { type: 'max' }, exclusionZone: zone });
    const train = this.toSteps(this.windows.trainingScores, w, steps);
    const { threshold, saved } = await applyThresholdStrategy(strategy, train, async ({ x, labels }) => {
      const val = await this.scoreSteps({ x, shape: [x.length / this.featuresValue, this.featuresValue] });
      if (labels.length !== val.length) throw new AnomalyInputError(`threshold 'bestF1': ${val.length} steps but ${labels.length} labels`);
      return val;
    });
    this.thresholdValue = threshold;
    this.strategy = saved;
    return this;
  }

  /** One score per time step: the mean score of the windows covering it, smoothed (see {@link TimeSeriesDetectorOptions.smoothing}). */
  async scoreSteps(series: SeriesData): Promise<Float64Array> {
    if (!this.windows.fitted) throw new Error('TimeSeriesDetector.scoreSteps: not fitted; call fit(series) first');
    const { w, steps } = this.windowed(series, 'scoreSteps');
    return this.stepScoresOf(w, steps);
  }

  /** Step scores, flags and the flagged time ranges ([start, end) in steps). */
  async detect(series: SeriesData, options: { minLength?: number; mergeGap?: number } = {}): Promise<SeriesDetection> {
    const scores = await this.scoreSteps(series);
    const t = this.threshold;
    return { scores, flags: Uint8Array.from(scores, (v) => (v > t ? 1 : 0)), ranges: flaggedRanges(scores, t, options) };
  }

  /** Saves like {@link AnomalyDetector.save}, with the windowing, channel scaler and step threshold in detector.json (`extra`: the caller's own fields beside them). */
  save(dir: string, extra?: Record<string, unknown>): void {
    this.windows.save(dir, {
      ...extra,
      timeSeries: { window: this.window, stride: this.stride, standardize: this.standardize, smoothing: this.smoothing, features: this.featuresValue, scaler: this.scalerJson, threshold: this.thresholdValue, thresholdStrategy: this.strategy },
    });
  }

  /** Loads a detector saved with {@link TimeSeriesDetector.save}. */
  static load(dir: string): TimeSeriesDetector {
    return TimeSeriesDetector.fromSaved(readDetectorDir(dir), dir);
  }

  /** Rebuilds a detector from what `readDetectorDir(dir)` found (its `extra.timeSeries` block). */
  static fromSaved(saved: ReturnType<typeof readDetectorDir>, dir: string): TimeSeriesDetector {
    const { detector, extra } = AnomalyDetector.fromSaved(saved);
    const ts = extra?.timeSeries as Record<string, unknown> | undefined;
    const file = `${dir}/detector.json`;
    if (!ts || typeof ts !== 'object') throw new RangeError(`${file}: no 'extra.timeSeries' block; this is a plain AnomalyDetector (load it with AnomalyDetector.load)`);
    let d: TimeSeriesDetector;
    try {
      // Detectors saved before smoothing existed scored unsmoothed steps: keep them as they were.
      d = new TimeSeriesDetector(detector, { window: ts.window as number, stride: ts.stride as number, standardize: ts.standardize === true, smoothing: (ts.smoothing as number | undefined) ?? 1 });
    } catch (e) {
      throw new RangeError(`${file}: field 'extra.timeSeries': ${(e as Error).message}`);
    }
    if (ts.features !== d.featuresValue) throw new RangeError(`${file}: field 'extra.timeSeries.features' is ${JSON.stringify(ts.features)}, the model's windows hold ${d.featuresValue} channels`);
    if (typeof ts.threshold !== 'number' || !Number.isFinite(ts.threshold)) throw new RangeError(`${file}: field 'extra.timeSeries.threshold': expected a finite number, got ${JSON.stringify(ts.threshold)}`);
    if (d.standardize) {
      try {
        d.scaler = StandardScaler.fromJSON(ts.scaler as StandardScalerJSON);
      } catch (e) {
        throw new RangeError(`${file}: field 'extra.timeSeries.scaler': ${(e as Error).message}`);
      }
      d.scalerJson = ts.scaler as StandardScalerJSON;
    }
    d.thresholdValue = ts.threshold;
    d.strategy = (ts.thresholdStrategy as SavedThresholdStrategy | undefined) ?? { type: 'manual' };
    return d;
  }
}
