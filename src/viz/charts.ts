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
}

/**
 * Per-epoch curves from a training history (`fit()`'s `history`, or the rows
 * of a run's metrics file): `metric` (default "loss") for training and
 * `val` + capitalized metric (e.g. "valLoss") for validation, when present.
 */
export function lossCurveFromHistory(history: readonly Record<string, number>[], options: { name?: string; metric?: string } = {}): LossCurve {
  if (!Array.isArray(history)) throw new TypeError('lossCurveFromHistory: history must be an array of per-epoch metric records');
  const metric = options.metric ?? 'loss';
  const valKey = `val${metric[0]!.toUpperCase()}${metric.slice(1)}`;
  const curve: LossCurve = { name: options.name, x: history.map((_, i) => i + 1), train: history.map((h) => h[metric] ?? NaN) };
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
      for (let i = 0; i < y.length; i++) {
        const xi = x ? x[i]! : i + 1;
        const yi = y[i]!;
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
  const spec = base(options.title ?? 'Loss', log ? 'log scale' : undefined);
  // Whole decades on a log axis: ECharts' own log extent can end on values such as 0.0000999….
  // Number('1e-4') is 0.0001 exactly, 10 ** -4 is not.
  const logRange = log ? { min: Number(`1e${Math.floor(Math.log10(lo))}`), max: Number(`1e${Math.ceil(Math.log10(hi))}`) } : {};
  return {
    ...spec,
    tooltip: { trigger: 'axis' },
    legend: { top: log ? 54 : 40, type: 'scroll', itemGap: 24, textStyle: { fontSize: 12 } },
    grid: { left: 72, right: 32, top: log ? 96 : 84, bottom: 56, containLabel: false },
    xAxis: { type: 'value', name: options.xName ?? 'epoch', nameLocation: 'middle', nameGap: 30, scale: true, minInterval: 1, splitLine: { show: false }, ...AXIS },
    yAxis: { type: log ? 'log' : 'value', name: options.yName ?? 'loss', nameLocation: 'middle', nameGap: 56, scale: !log, ...logRange, ...AXIS },
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
function niceStep(raw: number): number {
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
  /** Number of equal-width bins (default 40). */
  bins?: number;
  /** Logarithmic count axis, for rare anomalies next to many normal samples (default false). */
  logCount?: boolean;
  /** Legend names of the label groups (default ["normal", "anomalous"]). */
  groupNames?: readonly [string, string];
}

/**
 * Histogram of anomaly scores with the threshold as a vertical line; with
 * labels, normal and anomalous samples are two overlaid, translucent
 * histograms over the same bins. Bars are `[bin centre, count]` on a value
 * axis, so the threshold sits at its exact score.
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
  let lo = Infinity;
  let hi = -Infinity;
  let finite = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) continue;
    finite++;
    lo = Math.min(lo, s);
    hi = Math.max(hi, s);
  }
  if (finite === 0) throw new RangeError(`scoreHistogramSpec: none of the ${scores.length} scores is a finite number`);
  if (threshold !== undefined) {
    lo = Math.min(lo, threshold);
    hi = Math.max(hi, threshold);
  }
  if (hi === lo) {
    const pad = Math.abs(lo) * 0.05 || 0.5;
    lo -= pad;
    hi += pad;
  }
  // Bins over a range that ends on round numbers, so the axis ends on labelled ticks.
  const step = niceStep((hi - lo) / 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(lo))) hi = lo + step;
  const width = (hi - lo) / bins;
  const groups = labels ? 2 : 1;
  const counts = Array.from({ length: groups }, () => new Array<number>(bins).fill(0));
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor((s - lo) / width)));
    const g = labels ? (labels[i] === true || labels[i] === 1 ? 1 : 0) : 0;
    counts[g]![b]!++;
  }
  const [normalName, anomalousName] = options.groupNames ?? ['normal', 'anomalous'];
  const names = labels ? [normalName, anomalousName] : ['samples'];
  const colors = labels ? [PALETTE[0], PALETTE[2]] : [PALETTE[0]];
  const series: BarSeriesOption[] = counts.map((c, g) => ({
    type: 'bar',
    name: names[g],
    // With a log axis an empty bin has no bar; ECharts cannot place 0 on it.
    data: c.map((count, b) => [round(lo + (b + 0.5) * width, 8), options.logCount && count === 0 ? null : count]),
    color: colors[g],
    barWidth: '100%',
    barGap: '-100%',
    itemStyle: { opacity: labels ? 0.65 : 0.9, borderColor: '#ffffff', borderWidth: 0.5 },
  }));
  if (threshold !== undefined) {
    series[series.length - 1]!.markLine = {
      silent: true,
      symbol: 'none',
      lineStyle: { color: '#111', type: 'dashed', width: 2 },
      label: { formatter: `threshold ${formatNumber(threshold)}`, position: 'end', fontSize: 12, color: '#111' },
      data: [{ xAxis: threshold }],
    };
  }
  const dropped = scores.length - finite;
  const notes = [`${finite} samples`, labels ? `${counts[1]!.reduce((a, b) => a + b, 0)} labelled anomalous` : undefined, dropped ? `${dropped} non-finite left out` : undefined].filter(Boolean);
  return {
    ...base(options.title ?? 'Anomaly scores', notes.join(' · ')),
    tooltip: { trigger: 'axis' },
    legend: labels ? { top: 56, itemGap: 28, textStyle: { fontSize: 12 } } : { show: false },
    grid: { left: 72, right: 40, top: labels ? 100 : 84, bottom: 56 },
    xAxis: { type: 'value', name: options.xName ?? 'anomaly score', nameLocation: 'middle', nameGap: 30, min: round(lo, 8), max: round(hi, 8), interval: round(step, 8), splitLine: { show: false }, ...AXIS },
    yAxis: { type: options.logCount ? 'log' : 'value', name: 'count', nameLocation: 'middle', nameGap: 50, minInterval: 1, ...AXIS },
    series,
  };
}
