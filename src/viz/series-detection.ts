/**
 * The figure of anomaly detection on a time series: the series on top, its
 * per-step anomaly score below with the threshold, the flagged ranges shaded
 * in both, the training steps (and, when known, the labelled anomalies) marked.
 * A plain-JSON ECharts spec like the others in charts.ts, so the dashboard can
 * draw the same chart.
 */
import type { LineSeriesOption } from 'echarts';
import { type ChartSpec, PALETTE, formatNumber } from './charts.js';

/** What {@link seriesDetectionSpec} draws. */
export interface SeriesDetectionInput {
  /** The series, step after step: [steps, channels]. */
  values: ArrayLike<number>;
  /** Channels per step (default 1). */
  channels?: number;
  /** Names of the channels (legend). */
  channelNames?: readonly string[];
  /** One anomaly score per step. */
  scores: ArrayLike<number>;
  /** Steps scoring above this are flagged. */
  threshold: number;
  /** Flagged ranges, [start, end) in steps. */
  ranges: readonly { start: number; end: number }[];
  /** Milliseconds since 1970 per step: a time axis (default: step numbers). */
  timestamps?: ArrayLike<number> | null;
  /** The first steps, the detector's training part (shaded grey). */
  trainSteps?: number;
  /** 1 for steps labelled anomalous (shaded yellow under the score), when known. */
  labels?: ArrayLike<number>;
}

/** Options of {@link seriesDetectionSpec}. */
export interface SeriesDetectionOptions {
  /** Default "Anomaly detection on a series". */
  title?: string;
  /** A line under the title (default: what the shading means). */
  subtitle?: string;
  /** Points per line at most: longer lines keep each bucket's min and max (default 2400). */
  maxPoints?: number;
  /** Channels drawn at most (default 4). */
  maxChannels?: number;
  /** Name of the score axis (default "score"). */
  scoreName?: string;
}

const FLAG = 'rgba(225, 87, 89, 0.22)';
const TRAIN = 'rgba(0, 0, 0, 0.07)';
const LABEL = 'rgba(237, 201, 72, 0.45)';
const AXIS = { nameTextStyle: { fontSize: 13, color: '#222' }, axisLabel: { fontSize: 12, color: '#222' }, axisLine: { onZero: false, lineStyle: { color: '#666' } } };

/**
 * Indices of the points to draw: all when there are at most `max`, else per
 * bucket of steps the one with the smallest and the one with the largest
 * value, in step order, so spikes survive the thinning.
 */
export function thinIndices(values: (t: number) => number, n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, t) => t);
  const buckets = Math.max(1, Math.floor(max / 2));
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets);
    if (hi <= lo) continue;
    let min = lo;
    let mx = lo;
    for (let t = lo; t < hi; t++) {
      const v = values(t);
      if (v < values(min)) min = t;
      if (v > values(mx)) mx = t;
    }
    if (min === mx) out.push(min);
    else out.push(Math.min(min, mx), Math.max(min, mx));
  }
  return out;
}

/** Runs of 1 in 0/1 labels as [start, end). */
function runsOf(labels: ArrayLike<number>): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let t = 0; t < labels.length; t++) {
    if (labels[t] !== 1) continue;
    const last = out[out.length - 1];
    if (last && last.end === t) last.end = t + 1;
    else out.push({ start: t, end: t + 1 });
  }
  return out;
}

/**
 * Series (top) and anomaly score (bottom) over the same axis: flagged ranges
 * shaded red in both panels, the training steps grey, labelled anomalies
 * yellow under the score, the threshold a dashed line.
 */
export function seriesDetectionSpec(input: SeriesDetectionInput, options: SeriesDetectionOptions = {}): ChartSpec {
  const what = 'seriesDetectionSpec';
  if (input === null || typeof input !== 'object') throw new TypeError(`${what}: input must be an object { values, scores, threshold, ranges, ... }`);
  const channels = input.channels ?? 1;
  if (!(Number.isInteger(channels) && channels >= 1)) throw new RangeError(`${what}: channels must be a positive integer, got ${channels}`);
  const n = input.scores.length;
  if (n === 0) throw new RangeError(`${what}: no steps`);
  if (input.values.length !== n * channels) throw new RangeError(`${what}: ${input.values.length} values are not ${n} steps × ${channels} channels (one score per step)`);
  if (input.timestamps && input.timestamps.length !== n) throw new RangeError(`${what}: ${input.timestamps.length} timestamps for ${n} steps`);
  if (input.labels && input.labels.length !== n) throw new RangeError(`${what}: ${input.labels.length} labels for ${n} steps`);
  if (!Number.isFinite(input.threshold)) throw new RangeError(`${what}: threshold must be a finite number, got ${input.threshold}`);
  for (const r of input.ranges) if (!(Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= 0 && r.end <= n && r.start < r.end)) throw new RangeError(`${what}: range [${r.start}, ${r.end}) is not inside [0, ${n})`);
  const maxPoints = options.maxPoints ?? 2400;
  const ts = input.timestamps ?? null;
  const xOf = (t: number) => (ts ? ts[Math.min(t, n - 1)]! : t);
  // A range [start, end) covers up to the start of step end (the last step's own end when it is the last).
  const band = (r: { start: number; end: number }) => [{ xAxis: xOf(r.start) }, { xAxis: r.end < n ? xOf(r.end) : xOf(n - 1) }];
  const shown = Math.min(channels, options.maxChannels ?? 4);
  const round = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null);
  const series: LineSeriesOption[] = [];
  for (let c = 0; c < shown; c++) {
    const idx = thinIndices((t) => input.values[t * channels + c]!, n, maxPoints);
    series.push({
      type: 'line', name: input.channelNames?.[c] ?? (channels > 1 ? `channel ${c + 1}` : 'value'), xAxisIndex: 0, yAxisIndex: 0,
      data: idx.map((t) => [xOf(t), round(input.values[t * channels + c]!)]), showSymbol: false, lineStyle: { width: 1.2 }, color: PALETTE[c % PALETTE.length],
      ...(c === 0 ? {
        markArea: {
          silent: true,
          data: [
            ...(input.trainSteps ? [[{ xAxis: xOf(0), itemStyle: { color: TRAIN } }, { xAxis: xOf(Math.min(input.trainSteps, n - 1)) }]] : []),
            ...input.ranges.map((r) => { const [a, b] = band(r); return [{ ...a, itemStyle: { color: FLAG } }, b]; }),
          ] as never,
        },
      } : {}),
    });
  }
  const scoreIdx = thinIndices((t) => input.scores[t]!, n, maxPoints);
  const truth = input.labels ? runsOf(input.labels) : [];
  series.push({
    type: 'line', name: 'score', xAxisIndex: 1, yAxisIndex: 1, data: scoreIdx.map((t) => [xOf(t), round(input.scores[t]!)]), showSymbol: false,
    lineStyle: { width: 1.2 }, color: '#555',
    markArea: {
      silent: true,
      data: [
        ...truth.map((r) => { const [a, b] = band(r); return [{ ...a, itemStyle: { color: LABEL } }, b]; }),
        ...input.ranges.map((r) => { const [a, b] = band(r); return [{ ...a, itemStyle: { color: FLAG } }, b]; }),
      ] as never,
    },
  });
  series.push({
    type: 'line', name: `threshold ${formatNumber(input.threshold)}`, xAxisIndex: 1, yAxisIndex: 1, data: [[xOf(0), input.threshold], [xOf(n - 1), input.threshold]],
    showSymbol: false, lineStyle: { width: 1.5, type: 'dashed' }, color: PALETTE[2],
  });
  const flagged = input.ranges.reduce((a, r) => a + r.end - r.start, 0);
  const parts = [`${input.ranges.length} flagged range${input.ranges.length === 1 ? '' : 's'} (${flagged} of ${n} steps) in red`];
  if (input.trainSteps) parts.push(`training steps in grey`);
  if (truth.length) parts.push('labelled anomalies in yellow');
  const xAxisBase = ts ? { type: 'time' as const } : { type: 'value' as const, min: 0, max: n - 1 };
  const legendNames = series.map((s) => s.name as string);
  return {
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: 'DejaVu Sans, Verdana, sans-serif', color: '#222' },
    title: { text: options.title ?? 'Anomaly detection on a series', subtext: options.subtitle ?? parts.join(' · '), left: 'center', top: 8, textStyle: { fontSize: 17, fontWeight: 'bold', color: '#222' }, subtextStyle: { fontSize: 12, color: '#555' } },
    tooltip: { trigger: 'axis' },
    legend: { top: 58, itemGap: 20, textStyle: { fontSize: 12 }, data: legendNames },
    grid: [{ left: 70, right: 30, top: 95, height: '42%' }, { left: 70, right: 30, top: '66%', height: '24%' }],
    xAxis: [
      { ...xAxisBase, gridIndex: 0, splitLine: { show: false }, ...AXIS, axisLabel: { show: false } },
      { ...xAxisBase, gridIndex: 1, name: ts ? '' : 'step', nameLocation: 'middle', nameGap: 26, splitLine: { show: false }, ...AXIS },
    ],
    yAxis: [
      { type: 'value', gridIndex: 0, scale: true, splitLine: { show: true, lineStyle: { color: '#eee' } }, ...AXIS },
      { type: 'value', gridIndex: 1, scale: true, name: options.scoreName ?? 'score', nameLocation: 'middle', nameGap: 50, splitLine: { show: true, lineStyle: { color: '#eee' } }, ...AXIS },
    ],
    series,
  };
}
