/**
 * Chart specs for aekit's figures: Apache ECharts options built from plain
 * data. A spec is plain JSON (no functions, no typed arrays), so the same
 * object renders to PNG in Node ({@link chartPng}) and, sent over HTTP, in the
 * browser dashboard with `chart.setOption(spec)`.
 *
 * The builders compute everything the chart shows (histogram bins, subsets of
 * large scatters, log-scale choice) here, not in ECharts callbacks, for that
 * reason.
 */

import type { EChartsOption, LineSeriesOption, ScatterSeriesOption, BarSeriesOption } from 'echarts';
import { averagePrecision, confusionAt, precisionRecallCurve, rocAuc, rocCurve } from '../eval/detection.js';
import { quantile } from '../eval/stats.js';

/** An ECharts option object that is plain JSON. */
export type ChartSpec = EChartsOption;

/**
 * Colour-blind-aware qualitative palette (Tableau 10); classes 0–9 of MNIST get
 * one colour each, more classes reuse them.
 */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

const FONT = 'DejaVu Sans, Verdana, sans-serif';
const TEXT = '#222';
// Axis lines on the frame's edges, not through zero.
const AXIS = { nameTextStyle: { fontSize: 13, color: TEXT }, axisLabel: { fontSize: 12, color: TEXT }, axisLine: { onZero: false, lineStyle: { color: '#666' } } };

function base(title: string | undefined, subtitle?: string): ChartSpec {
  return {
    backgroundColor: '#ffffff',
    color: [...PALETTE],
    textStyle: { fontFamily: FONT, color: TEXT },
    title: { text: title ?? '', subtext: subtitle ?? '', left: 'center', top: 8, textStyle: { fontSize: 17, fontWeight: 'bold', color: TEXT }, subtextStyle: { fontSize: 12, color: '#555' } },
    tooltip: { trigger: 'item' },
  };
}

/** Shortest decimal that keeps `digits` significant digits: smaller JSON, same picture. */
function round(v: number, digits = 5): number {
  return Number(v.toPrecision(digits));
}

/** A short human label for a number on a chart: 0.0123, 1.23e-5, 1234. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(3)));
  return v.toExponential(2).replace(/\.?0+e/, 'e');
}

function checkArray(value: unknown, what: string): ArrayLike<number> {
  if (value === null || typeof value !== 'object' || typeof (value as ArrayLike<number>).length !== 'number') throw new TypeError(`${what} must be an array or typed array of numbers`);
  return value as ArrayLike<number>;
}

// ---------------------------------------------------------------- loss curves

/** One run's curves: loss per epoch (or step) on the training and, optionally, validation data. */
export interface LossCurve {
  /** Run name in the legend (default "run 1", "run 2", …; omitted from the legend when there is a single run). */
  name?: string;
  /** x of each point (default 1, 2, 3, …: epochs). */
  x?: ArrayLike<number>;
  /** Training loss per point; NaN or ±Infinity leave a gap. */
  train?: ArrayLike<number>;
  /** Validation loss per point. */
  validation?: ArrayLike<number>;
  /** What the loss measures, e.g. {@link lossAxisName}'s "BCE, mean per value": runs with different units are never drawn on one raw axis. */
  unit?: string;
}

/** Options of {@link lossCurvesSpec}. */
export interface LossCurvesOptions {
  /** Chart title (default "Loss"). */
  title?: string;
  /** x-axis name (default "epoch"). */
  xName?: string;
  /** y-axis name (default "loss"). */
  yName?: string;
  /** Logarithmic y axis: true, false, or 'auto' (default): when every value is positive and they span more than a factor 50. */
  logScale?: boolean | 'auto';
  /**
   * Divide each run's curves by its first finite training loss, so runs of
   * different scales (a loss summed per image next to one averaged per
   * pixel) compare by shape: true, false, or 'auto' (default): when several
   * runs name different units or their first losses differ more than a
   * factor {@link MIXED_SCALE_RATIO}. The y axis and subtitle say so.
   */
  normalize?: boolean | 'auto';
}

/** First losses further apart than this factor are different scales: {@link lossCurvesSpec} normalises them. */
export const MIXED_SCALE_RATIO = 20;

/**
 * A y-axis name for a reconstruction loss that says what one number is:
 * `lossAxisName('bce', 'perElement')` is "loss: BCE, mean per value",
 * `lossAxisName('bce', 'perSample', ['KL'])` is "loss: BCE + KL, sum per sample".
 * @param reduction 'perElement' (averaged over the values of a sample) or 'perSample' (summed over them).
 */
export function lossAxisName(loss: string, reduction: 'perElement' | 'perSample', extraTerms: readonly string[] = []): string {
  return `loss: ${[loss.toUpperCase(), ...extraTerms].join(' + ')}, ${reduction === 'perSample' ? 'sum per sample' : 'mean per value'}`;
}

/**
 * Per-epoch curves from a training history (`fit()`'s `history`, or the rows
 * of a run's metrics file): `metric` (default "loss") for training and
 * `val` + capitalized metric (e.g. "valLoss") for validation, when present;
 * x is a row's `epoch` when it has one (a resumed run's rows), else 1, 2, ….
 */
export function lossCurveFromHistory(history: readonly Record<string, number>[], options: { name?: string; metric?: string; unit?: string } = {}): LossCurve {
  if (!Array.isArray(history)) throw new TypeError('lossCurveFromHistory: history must be an array of per-epoch metric records');
  const metric = options.metric ?? 'loss';
  const valKey = `val${metric[0]!.toUpperCase()}${metric.slice(1)}`;
  const x = history.map((h, i) => (typeof h.epoch === 'number' && Number.isFinite(h.epoch) ? h.epoch : i + 1));
  const curve: LossCurve = { name: options.name, x, train: history.map((h) => h[metric] ?? NaN) };
  if (options.unit !== undefined) curve.unit = options.unit;
  if (history.some((h) => typeof h[valKey] === 'number')) curve.validation = history.map((h) => h[valKey] ?? NaN);
  return curve;
}

/**
 * Training (solid) and validation (dashed) loss curves, several runs overlaid
 * in one colour each. Long histories stay light in the browser: the series
 * use ECharts' LTTB downsampling when drawn.
 */
export function lossCurvesSpec(runs: LossCurve | readonly LossCurve[], options: LossCurvesOptions = {}): ChartSpec {
  const list = Array.isArray(runs) ? (runs as readonly LossCurve[]) : [runs as LossCurve];
  if (list.length === 0) throw new RangeError('lossCurvesSpec: no runs given');
  const firsts = list.map((run) => {
    if (run === null || typeof run !== 'object') return NaN;
    const values = run.train ?? run.validation;
    if (values === undefined || typeof values.length !== 'number') return NaN;
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!) && values[i] !== 0) return values[i]!;
    return NaN;
  });
  const scales = firsts.filter((v) => Number.isFinite(v)).map(Math.abs);
  const units = new Set(list.map((run) => run?.unit).filter((u) => u !== undefined));
  const mixed = units.size > 1 || (scales.length > 1 && Math.max(...scales) / Math.min(...scales) > MIXED_SCALE_RATIO);
  const normalize = (options.normalize === 'auto' || options.normalize === undefined ? mixed : options.normalize) && scales.length > 0;
  const series: LineSeriesOption[] = [];
  let lo = Infinity;
  let hi = -Infinity;
  let nonPositive = false;
  list.forEach((run, r) => {
    if (run === null || typeof run !== 'object') throw new TypeError(`lossCurvesSpec: run ${r} must be an object { name?, x?, train?, validation? }`);
    const runName = run.name ?? `run ${r + 1}`;
    const color = PALETTE[r % PALETTE.length]!;
    for (const [kind, values] of [['train', run.train], ['validation', run.validation]] as const) {
      if (values === undefined) continue;
      const y = checkArray(values, `lossCurvesSpec: run '${runName}' ${kind}`);
      const x = run.x === undefined ? undefined : checkArray(run.x, `lossCurvesSpec: run '${runName}' x`);
      if (x && x.length !== y.length) throw new RangeError(`lossCurvesSpec: run '${runName}' has ${x.length} x values for ${y.length} ${kind} values`);
      const data: [number, number | null][] = [];
      const divisor = normalize ? Math.abs(firsts[r]!) : 1;
      if (!Number.isFinite(divisor)) continue;
      for (let i = 0; i < y.length; i++) {
        const xi = x ? x[i]! : i + 1;
        const yi = y[i]! / divisor;
        if (Number.isFinite(yi)) {
          lo = Math.min(lo, yi);
          hi = Math.max(hi, yi);
          if (yi <= 0) nonPositive = true;
          data.push([xi, round(yi, 6)]);
        } else data.push([xi, null]);
      }
      series.push({
        type: 'line',
        name: list.length === 1 ? kind : `${runName} ${kind}`,
        data,
        color,
        showSymbol: y.length <= 30,
        symbolSize: 5,
        sampling: 'lttb',
        lineStyle: { width: 2, type: kind === 'train' ? 'solid' : 'dashed' },
        emphasis: { focus: 'series' },
      });
    }
  });
  if (series.length === 0) throw new RangeError('lossCurvesSpec: the runs hold no train or validation values');
  const auto = lo > 0 && hi / lo > 50 && !nonPositive;
  const log = options.logScale === 'auto' || options.logScale === undefined ? auto : options.logScale && !nonPositive && lo < Infinity;
  const oneUnit = units.size === 1 ? [...units][0] : undefined;
  const notes = [
    normalize ? `each run divided by its first loss${mixed ? ` (${units.size > 1 ? 'different losses' : 'scales differ'}: ${list.map((run, r) => `${run.name ?? `run ${r + 1}`} ${Number.isFinite(firsts[r]!) ? formatNumber(firsts[r]!) : '–'}`).join(', ')})` : ''}` : undefined,
    log ? 'log scale' : undefined,
  ].filter(Boolean).join(' · ');
  const spec = base(options.title ?? 'Loss', notes || undefined);
  const yName = normalize ? `${units.size > 1 ? 'loss' : options.yName ?? oneUnit ?? 'loss'} ÷ the run's first loss` : options.yName ?? oneUnit ?? 'loss';
  // Whole decades on a log axis: ECharts' own log extent can end on values such as 0.0000999….
  // Number('1e-4') is 0.0001 exactly, 10 ** -4 is not.
  const logRange = log ? { min: Number(`1e${Math.floor(Math.log10(lo))}`), max: Number(`1e${Math.ceil(Math.log10(hi))}`) } : {};
  return {
    ...spec,
    tooltip: { trigger: 'axis' },
    legend: { top: notes ? 54 : 40, type: 'scroll', itemGap: 24, textStyle: { fontSize: 12 } },
    grid: { left: 72, right: 32, top: notes ? 96 : 84, bottom: 56, containLabel: false },
    xAxis: { type: 'value', name: options.xName ?? 'epoch', nameLocation: 'middle', nameGap: 30, scale: true, minInterval: 1, splitLine: { show: false }, ...AXIS },
    yAxis: { type: log ? 'log' : 'value', name: yName, nameLocation: 'middle', nameGap: 56, scale: !log, ...logRange, ...AXIS },
    series,
  };
}

// ------------------------------------------------------------- latent scatter

/** Points of a latent-space scatter. */
export interface LatentScatterInput {
  /** n points as interleaved (x, y) pairs, length 2n (e.g. {@link project2d}'s `points`). */
  points: ArrayLike<number>;
  /** A label per point (class index or name) for the colours and the legend. */
  labels?: ArrayLike<number | string>;
  /** Names of numeric labels, e.g. Fashion-MNIST's "T-shirt/top", … (default: the number itself). */
  classNames?: readonly string[];
}

/** Options of {@link latentScatterSpec}. */
export interface LatentScatterOptions {
  /** Chart title (default "Latent space"). */
  title?: string;
  /** Subtitle, e.g. how the points were projected. */
  subtitle?: string;
  /** Axis names (default ["z1", "z2"]). */
  axisNames?: readonly [string, string];
  /** Draw at most this many points, an evenly spaced subset (default 10000). */
  maxPoints?: number;
  /** Point diameter in pixels (default 5 up to 2,000 points, then 3). */
  symbolSize?: number;
}

/**
 * Latent-space scatter, one series (colour, legend entry) per label. Each
 * data item is `[x, y, i]` with `i` the point's index in the input, so a
 * viewer can show the sample behind a point.
 */
export function latentScatterSpec(input: LatentScatterInput, options: LatentScatterOptions = {}): ChartSpec {
  if (input === null || typeof input !== 'object') throw new TypeError('latentScatterSpec: input must be an object { points, labels?, classNames? }');
  const points = checkArray(input.points, 'latentScatterSpec: points');
  if (points.length % 2 !== 0) throw new RangeError(`latentScatterSpec: points must hold interleaved (x, y) pairs, got an odd length ${points.length}`);
  const n = points.length / 2;
  if (n === 0) throw new RangeError('latentScatterSpec: no points');
  const labels = input.labels === undefined ? undefined : checkArray(input.labels, 'latentScatterSpec: labels');
  if (labels && labels.length !== n) throw new RangeError(`latentScatterSpec: ${labels.length} labels for ${n} points`);
  const maxPoints = options.maxPoints ?? 10000;
  if (!(Number.isInteger(maxPoints) && maxPoints >= 1)) throw new RangeError(`latentScatterSpec: maxPoints must be a positive integer, got ${maxPoints}`);
  const shown = Math.min(n, maxPoints);
  const groups = new Map<string, { key: number | string; data: [number, number, number][] }>();
  let dropped = 0;
  for (let s = 0; s < shown; s++) {
    const i = shown === n ? s : Math.floor((s * n) / shown);
    const x = points[2 * i]!;
    const y = points[2 * i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      dropped++;
      continue;
    }
    const key = labels ? labels[i]! : '';
    const id = `${typeof key}:${key}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, data: [] }));
    g.data.push([round(x), round(y), i]);
  }
  // Classes in numeric order, then names in alphabetical order.
  const ordered = [...groups.values()].sort((a, b) =>
    typeof a.key === 'number' && typeof b.key === 'number' ? a.key - b.key : typeof a.key === 'number' ? -1 : typeof b.key === 'number' ? 1 : String(a.key).localeCompare(String(b.key)));
  const size = options.symbolSize ?? (shown <= 2000 ? 5 : 3);
  const series: ScatterSeriesOption[] = ordered.map((g, k) => ({
    type: 'scatter',
    name: labels ? (typeof g.key === 'number' ? input.classNames?.[g.key] ?? String(g.key) : String(g.key)) : 'samples',
    data: g.data,
    symbolSize: size,
    color: PALETTE[(typeof g.key === 'number' && Number.isInteger(g.key) && g.key >= 0 ? g.key : k) % PALETTE.length],
    itemStyle: { opacity: shown > 2000 ? 0.6 : 0.8 },
    emphasis: { focus: 'series' },
  }));
  const notes = [options.subtitle, shown < n ? `${shown} of ${n} points` : `${n} points`, dropped ? `${dropped} non-finite left out` : undefined].filter(Boolean);
  const [xName, yName] = options.axisNames ?? ['z1', 'z2'];
  return {
    ...base(options.title ?? 'Latent space', notes.join(' · ')),
    legend: labels ? { orient: 'vertical', right: 12, top: 'middle', type: 'scroll', itemWidth: 14, itemHeight: 14, textStyle: { fontSize: 12 } } : { show: false },
    grid: { left: 64, right: labels ? 150 : 32, top: 72, bottom: 56 },
    xAxis: { type: 'value', name: xName, nameLocation: 'middle', nameGap: 30, scale: true, splitLine: { show: true, lineStyle: { color: '#eee' } }, ...AXIS },
    yAxis: { type: 'value', name: yName, nameLocation: 'middle', nameGap: 44, scale: true, splitLine: { show: true, lineStyle: { color: '#eee' } }, ...AXIS },
    series,
  };
}

// ---------------------------------------------------------- score histogram

/** 1, 2 or 5 times a power of ten, the smallest at least `raw`. */
export function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw * (1 - 1e-9)) return round(m * p, 12);
  return 10 * p;
}

/** Anomaly scores to histogram. */
export interface ScoreHistogramInput {
  /** One score per sample (higher = more anomalous); non-finite scores are counted in the subtitle and left out. */
  scores: ArrayLike<number>;
  /** Decision threshold, drawn as a vertical line. */
  threshold?: number;
  /** Ground truth per sample (true or 1 = anomalous): the two groups get their own colours. */
  labels?: ArrayLike<boolean | number>;
}

/** Options of {@link scoreHistogramSpec}. */
export interface ScoreHistogramOptions {
  /** Chart title (default "Anomaly scores"). */
  title?: string;
  /** x-axis name (default "anomaly score"). */
  xName?: string;
  /** At least this many equal-width bins (default 40), a whole number per tick interval so bin edges fall on ticks. */
  bins?: number;
  /** Logarithmic count axis, for rare anomalies next to many normal samples (default false). */
  logCount?: boolean;
  /** Legend names of the label groups (default ["normal", "anomalous"]). */
  groupNames?: readonly [string, string];
  /**
   * Score-axis range: 'auto' (default) fits the bulk of the scores: where a
   * few extremes lie far beyond the 0.5–99.5 % quantiles, the axis stops at
   * those quantiles and the scores past them are counted in a gray bar at
   * each edge labelled "n > x" (or "n < x"). 'full' spans every score;
   * [min, max] fixes the range (scores outside are counted the same way).
   */
  range?: 'auto' | 'full' | readonly [number, number];
  /** Logarithmic score axis: true, false, or 'auto' (default): when every score is positive and the bulk spans more than two decades. */
  logScores?: boolean | 'auto';
}

/** Lower and upper quantiles that bound "the bulk" of the scores. */
const BULK_QUANTILES = [0.005, 0.995] as const;
/** Extremes this far beyond the bulk (as a fraction of its width) are drawn off-scale rather than stretching the axis. */
const FAR_BEYOND = 0.1;

/**
 * The 1-2-5 tick step whose whole-tick range around [lo, hi] wastes the least
 * axis, among those giving 4 to 12 intervals (ties: the larger step).
 */
function tickStep(lo: number, hi: number): number {
  let best = { step: niceStep((hi - lo) / 8), span: Infinity };
  for (let k = 4; k <= 12; k++) {
    const step = niceStep((hi - lo) / k);
    const span = Math.ceil(hi / step - 1e-9) - Math.floor(lo / step + 1e-9);
    if (span > 12 || span < 4) continue;
    if (span * step < best.span * (1 - 1e-9)) best = { step, span: span * step };
  }
  return best.step;
}

/** Bins per tick interval: the smallest of 1, 2, 4, 5, 10, 20… giving at least `bins` bins over `intervals` intervals. */
function binsPerInterval(intervals: number, bins: number): number {
  for (let p = 1; ; p *= 10) for (const m of [1, 2, 4, 5]) if (intervals * m * p >= bins) return m * p;
}

/**
 * Histogram of anomaly scores with the threshold as a vertical line; with
 * labels, normal and anomalous samples are two overlaid, translucent
 * histograms over the same bins. Bars are `[bin centre, count]` on a value
 * (or log) axis, so the threshold sits at its exact score. The axis fits the
 * bulk of the scores (see {@link ScoreHistogramOptions.range}) and turns
 * logarithmic when positive scores span decades, so a long tail does not
 * squeeze the normal samples into a bin or two.
 */
export function scoreHistogramSpec(input: ScoreHistogramInput, options: ScoreHistogramOptions = {}): ChartSpec {
  if (input === null || typeof input !== 'object') throw new TypeError('scoreHistogramSpec: input must be an object { scores, threshold?, labels? }');
  const scores = checkArray(input.scores, 'scoreHistogramSpec: scores');
  const labels = input.labels === undefined ? undefined : (checkArray(input.labels, 'scoreHistogramSpec: labels') as ArrayLike<boolean | number>);
  if (labels && labels.length !== scores.length) throw new RangeError(`scoreHistogramSpec: ${labels.length} labels for ${scores.length} scores`);
  const threshold = input.threshold;
  if (threshold !== undefined && !Number.isFinite(threshold)) throw new RangeError(`scoreHistogramSpec: threshold must be a finite number, got ${threshold}`);
  const bins = options.bins ?? 40;
  if (!(Number.isInteger(bins) && bins >= 1 && bins <= 1000)) throw new RangeError(`scoreHistogramSpec: bins must be an integer in [1, 1000], got ${bins}`);
  const range = options.range ?? 'auto';
  if (!(range === 'auto' || range === 'full' || (Array.isArray(range) && range.length === 2 && Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] < range[1]))) {
    throw new RangeError(`scoreHistogramSpec: range must be 'auto', 'full' or [min, max] with min < max, got ${JSON.stringify(range)}`);
  }
  const finite: number[] = [];
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i]!)) finite.push(scores[i]!);
  if (finite.length === 0) throw new RangeError(`scoreHistogramSpec: none of the ${scores.length} scores is a finite number`);
  let min = Infinity;
  let max = -Infinity;
  for (const s of finite) {
    min = Math.min(min, s);
    max = Math.max(max, s);
  }
  const bulk = [quantile(finite, BULK_QUANTILES[0]), quantile(finite, BULK_QUANTILES[1])] as const;
  const positive = min > 0 && (threshold === undefined || threshold > 0) && (!Array.isArray(range) || range[0] > 0);
  const log = options.logScores === 'auto' || options.logScores === undefined ? positive && bulk[1] / bulk[0] > 100 : options.logScores;
  if (log && !positive) throw new RangeError('scoreHistogramSpec: a logarithmic score axis needs every score, the threshold and the range to be positive');
  // Bins, ticks and the bulk are laid out in t = score (linear) or t = log10(score).
  const t = (s: number) => (log ? Math.log10(s) : s);
  const fromT = (v: number) => (log ? Number(`1e${v}`) || 10 ** v : v);
  let lo: number;
  let hi: number;
  if (Array.isArray(range)) [lo, hi] = [t(range[0]), t(range[1])];
  else {
    [lo, hi] = [t(min), t(max)];
    const width = t(bulk[1]) - t(bulk[0]);
    if (range === 'auto' && width > 0) {
      if (t(bulk[0]) - lo > FAR_BEYOND * width) lo = t(bulk[0]);
      if (hi - t(bulk[1]) > FAR_BEYOND * width) hi = t(bulk[1]);
    }
  }
  if (threshold !== undefined) {
    lo = Math.min(lo, t(threshold));
    hi = Math.max(hi, t(threshold));
  }
  if (hi === lo) {
    const pad = log ? 0.5 : Math.abs(lo) * 0.05 || 0.5;
    lo -= pad;
    hi += pad;
  }
  // The range ends on labelled ticks: whole decades on a log axis, else multiples of a 1-2-5 step.
  const step = log ? 1 : tickStep(lo, hi);
  if (!Array.isArray(range)) {
    lo = Math.floor(lo / step + 1e-9) * step;
    hi = Math.ceil(hi / step - 1e-9) * step;
  }
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(lo))) hi = lo + step;
  const intervals = Math.round((hi - lo) / step);
  // A fixed range need not end on ticks; then the bins are just `bins`.
  const nBins = Math.abs(intervals - (hi - lo) / step) < 1e-6 ? intervals * binsPerInterval(intervals, bins) : bins;
  const width = (hi - lo) / nBins;
  const groups = labels ? 2 : 1;
  const counts = Array.from({ length: groups }, () => new Array<number>(nBins).fill(0));
  let below = 0;
  let above = 0;
  let anomalies = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) continue;
    const v = t(s);
    const group = labels ? (labels[i] === true || labels[i] === 1 ? 1 : 0) : 0;
    anomalies += group;
    // A tolerance of a millionth of a bin keeps the exact ends (and float noise around them) on the axis.
    if (v < lo - width * 1e-6) below++;
    else if (v > hi + width * 1e-6) above++;
    else counts[group]![Math.min(nBins - 1, Math.max(0, Math.floor((v - lo) / width)))]!++;
  }
  const centre = (b: number) => round(fromT(lo + (b + 0.5) * width), 8);
  const [normalName, anomalousName] = options.groupNames ?? ['normal', 'anomalous'];
  const names = labels ? [normalName, anomalousName] : ['samples'];
  const colors = labels ? [PALETTE[0], PALETTE[2]] : [PALETTE[0]];
  const barStyle = { barWidth: '100%', barGap: '-100%' } as const;
  const series: BarSeriesOption[] = counts.map((c, g) => ({
    type: 'bar',
    name: names[g],
    // With a log axis an empty bin has no bar; ECharts cannot place 0 on it.
    data: c.map((count, b) => [centre(b), options.logCount && count === 0 ? null : count]),
    color: colors[g],
    ...barStyle,
    itemStyle: { opacity: labels ? 0.65 : 0.9, borderColor: '#ffffff', borderWidth: 0.5 },
  }));
  // Scores past the axis: one gray bar just outside each end, labelled with what it counts.
  const loValue = round(fromT(lo), 8);
  const hiValue = round(fromT(hi), 8);
  const offScale: { value: [number, number]; label: { show: true; position: 'top'; formatter: string; fontSize: number; color: string } }[] = [];
  const offLabel = (text: string) => ({ show: true, position: 'top', formatter: text, fontSize: 12, color: '#333' }) as const;
  if (below) offScale.push({ value: [centre(-1), below], label: offLabel(`${below} < ${formatNumber(loValue)}`) });
  if (above) offScale.push({ value: [centre(nBins), above], label: offLabel(`${above} > ${formatNumber(hiValue)}`) });
  if (offScale.length) series.push({ type: 'bar', name: 'off scale', data: offScale, color: '#9a9a9a', ...barStyle, itemStyle: { opacity: 0.9, borderColor: '#ffffff', borderWidth: 0.5 } });
  if (threshold !== undefined) {
    series[labels ? 1 : 0]!.markLine = {
      silent: true,
      symbol: 'none',
      lineStyle: { color: '#111', type: 'dashed', width: 2 },
      label: { formatter: `threshold ${formatNumber(threshold)}`, position: 'end', fontSize: 12, color: '#111' },
      data: [{ xAxis: threshold }],
    };
  }
  const dropped = scores.length - finite.length;
  const notes = [
    `${finite.length} samples`,
    labels ? `${anomalies} labelled anomalous` : undefined,
    offScale.length ? `${below + above} off scale (gray)` : undefined,
    dropped ? `${dropped} non-finite left out` : undefined,
    log ? 'log score axis' : undefined,
  ].filter(Boolean);
  const axisMin = round(fromT(below ? lo - width : lo), 8);
  const axisMax = round(fromT(above ? hi + width : hi), 8);
  return {
    ...base(options.title ?? 'Anomaly scores', notes.join(' · ')),
    tooltip: { trigger: 'axis' },
    legend: labels || offScale.length ? { top: 56, itemGap: 28, textStyle: { fontSize: 12 } } : { show: false },
    grid: { left: 72, right: 40, top: labels || offScale.length ? 100 : 84, bottom: 56 },
    xAxis: {
      type: log ? 'log' : 'value', name: options.xName ?? 'anomaly score', nameLocation: 'middle', nameGap: 30, min: axisMin, max: axisMax,
      ...(log ? { logBase: 10 } : { interval: round(step, 8) }),
      splitLine: { show: false }, ...AXIS,
      // The off-scale bars' outer edges are not scores: no label there.
      axisLabel: { ...AXIS.axisLabel, hideOverlap: true, showMinLabel: !below, showMaxLabel: !above },
    },
    yAxis: { type: options.logCount ? 'log' : 'value', name: 'count', nameLocation: 'middle', nameGap: 50, minInterval: 1, ...AXIS },
    series,
  };
}

// ------------------------------------------------------- ROC and PR curves

/** Scores of a detector against ground truth, for {@link rocCurveSpec} and {@link precisionRecallSpec}. */
export interface DetectionCurveInput {
  /** One score per sample (higher = more anomalous). */
  scores: ArrayLike<number>;
  /** 1 (or true) for an anomaly, 0 (or false) for a normal sample. */
  labels: ArrayLike<number | boolean>;
  /** The detector's threshold (flagged: score > threshold), marked on the curve with its rates. */
  threshold?: number;
}

/** Options of {@link rocCurveSpec} and {@link precisionRecallSpec}. */
export interface DetectionCurveOptions {
  /** Chart title (default "ROC curve" or "Precision–recall curve"). */
  title?: string;
  /** Draw at most this many curve points, an evenly spaced subset that keeps both ends (default 2000). */
  maxPoints?: number;
}

/** At most `max` of the curve's points, evenly spaced, first and last kept. */
function thinCurve(x: readonly number[], y: readonly number[], max: number): [number, number][] {
  const n = x.length;
  const keep = Math.min(n, max);
  const out: [number, number][] = [];
  for (let k = 0; k < keep; k++) {
    const i = keep === n ? k : Math.round((k * (n - 1)) / (keep - 1));
    out.push([round(x[i]!, 6), round(y[i]!, 6)]);
  }
  return out;
}

/** The spec shared by the ROC and PR charts: a unit square, the curve, a reference line and the threshold's point. */
function detectionCurveSpec(
  curve: [number, number][], reference: [number, number][], point: { at: [number, number]; name: string; text: string } | undefined,
  text: { title: string; subtitle: string; xName: string; yName: string; curveName: string; referenceName: string; step: boolean },
): ChartSpec {
  const series: (LineSeriesOption | ScatterSeriesOption)[] = [
    // A PR curve holds each point's precision back to the previous recall: the steps whose area is the average precision.
    { type: 'line', name: text.curveName, data: curve, color: PALETTE[0], showSymbol: false, lineStyle: { width: 2 }, ...(text.step ? { step: 'start' as const } : {}) },
    { type: 'line', name: text.referenceName, data: reference, color: '#888', showSymbol: false, lineStyle: { width: 1, type: 'dashed' } },
  ];
  if (point) {
    series.push({
      type: 'scatter', name: point.name, data: [point.at], color: PALETTE[2], symbolSize: 10,
      // The rates beside the point, on the side with room.
      label: { show: true, formatter: point.text, position: point.at[0] > 0.5 ? 'left' : 'right', fontSize: 12, color: '#222', backgroundColor: 'rgba(255,255,255,0.8)' },
    });
  }
  const axis = (name: string) => ({ type: 'value' as const, name, nameLocation: 'middle' as const, min: 0, max: 1, interval: 0.2, splitLine: { show: true, lineStyle: { color: '#eee' } }, ...AXIS });
  return {
    ...base(text.title, text.subtitle),
    tooltip: { trigger: 'item' },
    legend: { top: 54, itemGap: 24, textStyle: { fontSize: 12 } },
    grid: { left: 72, right: 40, top: 96, bottom: 56 },
    xAxis: { ...axis(text.xName), nameGap: 30 },
    yAxis: { ...axis(text.yName), nameGap: 44 },
    series,
  };
}

/** Labels equal to 1 or true (the curves have checked them already). */
function countAnomalies(labels: ArrayLike<number | boolean>): number {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1 || labels[i] === true) n++;
  return n;
}

function checkDetectionInput(input: DetectionCurveInput, options: DetectionCurveOptions, what: string): number {
  if (input === null || typeof input !== 'object') throw new TypeError(`${what}: input must be an object { scores, labels, threshold? }`);
  if (input.threshold !== undefined && !Number.isFinite(input.threshold)) throw new RangeError(`${what}: threshold must be a finite number, got ${input.threshold}`);
  const maxPoints = options.maxPoints ?? 2000;
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new RangeError(`${what}: maxPoints must be an integer ≥ 2, got ${maxPoints}`);
  return maxPoints;
}

/**
 * ROC curve of anomaly scores against labels (true-positive rate over
 * false-positive rate, from {@link rocCurve}), with the chance diagonal, the
 * ROC-AUC ({@link rocAuc}) in the subtitle and the threshold's operating point.
 */
export function rocCurveSpec(input: DetectionCurveInput, options: DetectionCurveOptions = {}): ChartSpec {
  const maxPoints = checkDetectionInput(input, options, 'rocCurveSpec');
  const curve = rocCurve(input.scores, input.labels);
  const auc = rocAuc(input.scores, input.labels);
  let point: { at: [number, number]; name: string; text: string } | undefined;
  if (input.threshold !== undefined) {
    const c = confusionAt(input.scores, input.labels, input.threshold);
    const fpr = c.fp / (c.fp + c.tn);
    const tpr = c.tp / (c.tp + c.fn);
    point = { at: [round(fpr, 6), round(tpr, 6)], name: `threshold ${formatNumber(input.threshold)}`, text: `TPR ${formatNumber(tpr)}, FPR ${formatNumber(fpr)}` };
  }
  const positives = countAnomalies(input.labels);
  return detectionCurveSpec(thinCurve(curve.x, curve.y, maxPoints), [[0, 0], [1, 1]], point, {
    title: options.title ?? 'ROC curve', subtitle: `ROC-AUC ${auc.toFixed(3)} · ${positives} anomalous of ${input.scores.length} samples`,
    xName: 'false-positive rate (normal samples flagged)', yName: 'true-positive rate (anomalies flagged)', curveName: 'detector', referenceName: 'chance', step: false,
  });
}

/**
 * Precision–recall curve of anomaly scores against labels (from
 * {@link precisionRecallCurve}), with the base rate (what a random ranking
 * reaches), the average precision ({@link averagePrecision}) in the subtitle
 * and the threshold's operating point.
 */
export function precisionRecallSpec(input: DetectionCurveInput, options: DetectionCurveOptions = {}): ChartSpec {
  const maxPoints = checkDetectionInput(input, options, 'precisionRecallSpec');
  const curve = precisionRecallCurve(input.scores, input.labels);
  const ap = averagePrecision(input.scores, input.labels);
  const positives = countAnomalies(input.labels);
  const baseRate = positives / input.scores.length;
  let point: { at: [number, number]; name: string; text: string } | undefined;
  if (input.threshold !== undefined) {
    const c = confusionAt(input.scores, input.labels, input.threshold);
    const recall = c.tp / (c.tp + c.fn);
    const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 1;
    point = { at: [round(recall, 6), round(precision, 6)], name: `threshold ${formatNumber(input.threshold)}`, text: `precision ${formatNumber(precision)}, recall ${formatNumber(recall)}` };
  }
  // From recall 0 at the first point's precision, as scikit-learn draws it.
  const x = [0, ...curve.x];
  const y = [curve.y[0]!, ...curve.y];
  return detectionCurveSpec(thinCurve(x, y, maxPoints), [[0, round(baseRate, 6)], [1, round(baseRate, 6)]], point, {
    title: options.title ?? 'Precision–recall curve', subtitle: `average precision ${ap.toFixed(3)} · ${positives} anomalous of ${input.scores.length} samples`,
    xName: 'recall (anomalies flagged)', yName: 'precision (flagged that are anomalies)', curveName: 'detector', referenceName: `random ranking (${formatNumber(baseRate)})`, step: true,
  });
}

// --------------------------------------------- inputs vs reconstructions

/** Table rows or sequences and their reconstructions, for {@link reconstructionLinesSpec}. */
export interface ReconstructionLinesInput {
  /** n samples, row-major: [n, d] (table rows: one value per feature) or [n, T] / [n, T, C] (sequences: C channels per time step). */
  inputs: ArrayLike<number>;
  /** The reconstructions, laid out as `inputs`. */
  reconstructions: ArrayLike<number>;
  /** Shape of the batch: [n, d], [n, T] or [n, T, C]. */
  shape: readonly number[];
  /** Which samples to draw (default the first few, see {@link ReconstructionLinesOptions.samples}). */
  indices?: readonly number[];
  /** A label per sample, shown in its panel's title. */
  labels?: ArrayLike<number | string>;
  /** Names of numeric labels. */
  classNames?: readonly string[];
}

/** Options of {@link reconstructionLinesSpec}. */
export interface ReconstructionLinesOptions {
  /** Chart title (default "Inputs and reconstructions"). */
  title?: string;
  /** x-axis name (default "feature" for [n, d], "time step" for sequences). */
  xName?: string;
  /** Panels without `indices` (default 4): samples 0, 1, …. */
  samples?: number;
  /** Panels per row (default 2). */
  columns?: number;
  /** The channel drawn for [n, T, C] sequences (default 0). */
  channel?: number;
}

/**
 * Inputs and their reconstructions as line plots, one panel per sample: the
 * input solid, the reconstruction dashed in a second colour, x the feature
 * index or time step (numbered from 1), each panel titled with the sample
 * index, its label and its mean squared error. For tables and sequences what
 * {@link reconstructionGridPng} is for images.
 */
export function reconstructionLinesSpec(input: ReconstructionLinesInput, options: ReconstructionLinesOptions = {}): ChartSpec {
  const what = 'reconstructionLinesSpec';
  if (input === null || typeof input !== 'object') throw new TypeError(`${what}: input must be an object { inputs, reconstructions, shape, indices?, labels? }`);
  const xs = checkArray(input.inputs, `${what}: inputs`);
  const rs = checkArray(input.reconstructions, `${what}: reconstructions`);
  const shape = input.shape;
  if (!Array.isArray(shape) || shape.length < 2 || shape.length > 3 || shape.some((v) => !(Number.isInteger(v) && v >= 1))) throw new RangeError(`${what}: shape must be [n, d], [n, T] or [n, T, C] of positive integers, got ${JSON.stringify(shape)}`);
  const [n, len, channels = 1] = shape as [number, number, number?];
  const size = len * channels;
  if (xs.length !== n * size || rs.length !== n * size) throw new RangeError(`${what}: ${xs.length} input and ${rs.length} reconstructed values do not both fill shape [${shape}]`);
  const channel = options.channel ?? 0;
  if (!(Number.isInteger(channel) && channel >= 0 && channel < channels)) throw new RangeError(`${what}: channel must be an integer in [0, ${channels - 1}], got ${channel}`);
  const indices = input.indices ?? Array.from({ length: Math.min(n, options.samples ?? 4) }, (_, i) => i);
  if (indices.length === 0 || indices.some((i) => !(Number.isInteger(i) && i >= 0 && i < n))) throw new RangeError(`${what}: indices must be sample indices in [0, ${n - 1}], got ${JSON.stringify(indices)}`);
  if (input.labels && input.labels.length !== n) throw new RangeError(`${what}: ${input.labels.length} labels for ${n} samples`);
  const columns = Math.min(options.columns ?? 2, indices.length);
  if (!(Number.isInteger(columns) && columns >= 1)) throw new RangeError(`${what}: columns must be a positive integer, got ${options.columns}`);
  const rows = Math.ceil(indices.length / columns);
  const xName = options.xName ?? (shape.length === 2 ? 'feature' : 'time step');
  // Panels in percent of the chart, leaving room for the title and legend on top and each panel's own title.
  const top = 15;
  const cellH = (100 - top - 2) / rows;
  const cellW = 100 / columns;
  const grid = [];
  const xAxis = [];
  const yAxis = [];
  const titles = [];
  const series: LineSeriesOption[] = [];
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    const row = Math.floor(k / columns);
    const col = k % columns;
    const at = (v: number) => `${round(v, 4)}%`;
    grid.push({ left: at(col * cellW + 7), width: at(cellW - 10), top: at(top + row * cellH + 5), height: at(cellH - 13) });
    xAxis.push({ type: 'value' as const, gridIndex: k, min: 1, max: len, name: row === rows - 1 ? xName : '', nameLocation: 'middle' as const, nameGap: 24, minInterval: 1, splitLine: { show: false }, ...AXIS });
    yAxis.push({ type: 'value' as const, gridIndex: k, scale: true, splitLine: { show: true, lineStyle: { color: '#eee' } }, ...AXIS });
    let se = 0;
    const line = (values: ArrayLike<number>): [number, number | null][] => Array.from({ length: len }, (_, t) => {
      const v = values[i * size + t * channels + channel]!;
      return [t + 1, Number.isFinite(v) ? round(v, 6) : null];
    });
    for (let j = i * size; j < (i + 1) * size; j++) se += (xs[j]! - rs[j]!) ** 2;
    const label = input.labels?.[i];
    const labelText = label === undefined ? '' : ` · ${typeof label === 'number' ? input.classNames?.[label] ?? label : label}`;
    titles.push({ text: `sample ${i}${labelText} · MSE ${formatNumber(se / size)}`, left: at(col * cellW + 7), top: at(top + row * cellH), textStyle: { fontSize: 12, fontWeight: 'normal' as const, color: TEXT } });
    const showSymbol = len <= 40;
    series.push(
      { type: 'line', name: 'input', xAxisIndex: k, yAxisIndex: k, data: line(xs), color: PALETTE[0], showSymbol, symbolSize: 4, lineStyle: { width: 2 } },
      { type: 'line', name: 'reconstruction', xAxisIndex: k, yAxisIndex: k, data: line(rs), color: PALETTE[1], showSymbol, symbolSize: 4, lineStyle: { width: 2, type: 'dashed' } },
    );
  }
  const head = base(options.title ?? 'Inputs and reconstructions', channels > 1 ? `channel ${channel + 1} of ${channels}` : undefined);
  return {
    ...head,
    title: [head.title as object, ...titles],
    tooltip: { trigger: 'axis' },
    legend: { top: channels > 1 ? 52 : 38, itemGap: 24, textStyle: { fontSize: 12 }, data: ['input', 'reconstruction'] },
    grid, xAxis, yAxis, series,
  };
}

// ------------------------------------------------------------- tuning studies

/** One trial of a study, for the study charts. */
export interface StudyTrialPoint {
  number: number;
  /** The objective; undefined for a trial without one (failed, or pruned before it was measured). */
  value?: number;
  state: 'complete' | 'pruned' | 'failed' | 'running';
  params: Record<string, unknown>;
}

/** Objective per trial, complete trials as points and the running best as a step line. */
export function studyObjectiveSpec(trials: readonly StudyTrialPoint[], options: { objective: string; direction: 'minimize' | 'maximize'; title?: string }): ChartSpec {
  const done = trials.filter((t) => t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value)).sort((a, b) => a.number - b.number);
  const better = (a: number, b: number) => (options.direction === 'maximize' ? a > b : a < b);
  const best: [number, number][] = [];
  for (const t of done) {
    const prev = best.at(-1)?.[1];
    best.push([t.number, prev === undefined || better(t.value!, prev) ? round(t.value!, 6) : prev]);
  }
  const pruned = trials.filter((t) => t.state === 'pruned').length;
  const failed = trials.filter((t) => t.state === 'failed').length;
  const notes = [`${done.length} complete`, pruned ? `${pruned} pruned (not drawn)` : '', failed ? `${failed} failed` : '', options.direction === 'maximize' ? 'higher is better' : 'lower is better'].filter(Boolean).join(' · ');
  return {
    ...base(options.title ?? `Objective per trial: ${options.objective}`, notes),
    legend: { top: 54, textStyle: { fontSize: 12 } },
    grid: { left: 80, right: 32, top: 92, bottom: 56 },
    xAxis: { type: 'value', name: 'trial', nameLocation: 'middle', nameGap: 30, minInterval: 1, scale: true, splitLine: { show: false }, ...AXIS },
    yAxis: { type: 'value', name: options.objective, nameLocation: 'middle', nameGap: 60, scale: true, ...AXIS },
    series: [
      { type: 'scatter', name: 'trial', data: done.map((t) => [t.number, round(t.value!, 6)]), symbolSize: 8, color: PALETTE[0] },
      { type: 'line', name: 'best so far', data: best, step: 'end', showSymbol: false, lineStyle: { width: 2 }, color: PALETTE[1] },
    ],
  };
}

/** How a searched parameter is drawn on an axis. */
export interface StudyParamAxis {
  name: string;
  scale: 'linear' | 'log' | 'category';
  /** Integer values: ticks at whole numbers only. */
  integer?: boolean;
  /** The values of a category axis, in order. */
  categories?: string[];
}

/** Parameter value against objective, one small panel per parameter (complete trials). */
export function studyParamsSpec(trials: readonly StudyTrialPoint[], params: readonly StudyParamAxis[], options: { objective: string; title?: string }): ChartSpec {
  const done = trials.filter((t) => t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value));
  const cols = Math.min(3, params.length);
  const rows = Math.ceil(params.length / cols);
  const grid: object[] = [];
  const xAxis: object[] = [];
  const yAxis: object[] = [];
  const series: object[] = [];
  params.forEach((p, i) => {
    const c = i % cols;
    const r = Math.floor(i / cols);
    grid.push({ left: `${(100 * c) / cols + 8}%`, width: `${100 / cols - 12}%`, top: `${(100 * r) / rows + 14}%`, height: `${100 / rows - 26}%` });
    const label = p.name.length > 34 ? `…${p.name.slice(-33)}` : p.name;
    xAxis.push(p.scale === 'category'
      ? { type: 'category', data: p.categories, gridIndex: i, name: label, nameLocation: 'middle', nameGap: 28, ...AXIS }
      : { type: p.scale === 'log' ? 'log' : 'value', gridIndex: i, name: label, nameLocation: 'middle', nameGap: 28, scale: true, ...(p.integer ? { minInterval: 1 } : {}), splitLine: { show: false }, ...AXIS, axisLabel: { ...AXIS.axisLabel, formatter: (v: number) => formatNumber(v), hideOverlap: true } });
    yAxis.push({ type: 'value', gridIndex: i, name: c === 0 ? options.objective : '', nameLocation: 'middle', nameGap: 52, scale: true, ...AXIS, axisLabel: { ...AXIS.axisLabel, formatter: (v: number) => formatNumber(v) } });
    const data = done.map((t) => {
      const v = t.params[p.name];
      return [p.scale === 'category' ? JSON.stringify(v) : (v as number), round(t.value!, 6)];
    });
    series.push({ type: 'scatter', xAxisIndex: i, yAxisIndex: i, data, symbolSize: 7, color: PALETTE[0] });
  });
  return { ...base(options.title ?? `Parameters against ${options.objective}`, `${done.length} complete trials`), grid, xAxis, yAxis, series } as ChartSpec;
}

/** Importance of each parameter (fractions summing to 1), largest on top. */
export function studyImportanceSpec(importance: ReadonlyArray<{ name: string; importance: number }>, options: { method: string; title?: string }): ChartSpec {
  const sorted = [...importance].sort((a, b) => a.importance - b.importance);
  return {
    ...base(options.title ?? 'Parameter importance', options.method),
    grid: { left: Math.min(320, 24 + 7 * Math.max(...sorted.map((s) => s.name.length), 4)), right: 56, top: 84, bottom: 56 },
    xAxis: { type: 'value', name: 'share of the objective\'s variance', nameLocation: 'middle', nameGap: 30, min: 0, max: 1, ...AXIS },
    yAxis: { type: 'category', data: sorted.map((s) => s.name), ...AXIS },
    series: [{ type: 'bar', data: sorted.map((s) => round(s.importance, 4)), color: PALETTE[0], label: { show: true, position: 'right', formatter: (p: { value: unknown }) => formatNumber(Number(p.value)) } }],
  };
}
