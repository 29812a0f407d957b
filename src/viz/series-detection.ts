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
  /**
   * 'shared' (default): the channels in one panel above the score;
   * 'channels': a panel per channel, each with its own scale.
   */
  panels?: 'shared' | 'channels';
  /**
   * Steps [from, to) drawn with up to `maxPoints` points per line, the rest
   * of the series with a quarter as many: what a zoomed chart shows in detail
   * while its axis and zoom slider still span the whole series.
   */
  detail?: { from: number; to: number };
  /**
   * Zoom and pan (ECharts dataZoom: the wheel and dragging in the panels, a
   * slider under them), over `detail` at first. For the dashboard; a PNG has
   * no use for it.
   */
  zoom?: boolean;
  /** Height in pixels the chart is drawn at, which the panels are laid out in (default 620, the PNG's). */
  height?: number;
}

const FLAG = 'rgba(225, 87, 89, 0.22)';
const TRAIN = 'rgba(0, 0, 0, 0.07)';
const LABEL = 'rgba(237, 201, 72, 0.45)';
const AXIS = { nameTextStyle: { fontSize: 13, color: '#222' }, axisLabel: { fontSize: 12, color: '#222' }, axisLine: { onZero: false, lineStyle: { color: '#666' } } };

/**
 * Indices of the points to draw of steps [from, to) (default all `n`): all
 * when there are at most `max`, else per bucket of steps the one with the
 * smallest and the one with the largest value, in step order, so spikes
 * survive the thinning.
 */
export function thinIndices(values: (t: number) => number, n: number, max: number, range: { from: number; to: number } = { from: 0, to: n }): number[] {
  const from = Math.max(0, Math.floor(range.from));
  const to = Math.min(n, Math.ceil(range.to));
  const count = to - from;
  if (count <= 0) return [];
  if (count <= max) return Array.from({ length: count }, (_, t) => from + t);
  const buckets = Math.max(1, Math.floor(max / 2));
  const out: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = from + Math.floor((b * count) / buckets);
    const hi = from + Math.floor(((b + 1) * count) / buckets);
    if (hi <= lo) continue;
    let min = lo;
    let mx = lo;
    let vmin = values(lo);
    let vmax = vmin;
    for (let t = lo + 1; t < hi; t++) {
      const v = values(t);
      if (v < vmin) [min, vmin] = [t, v];
      if (v > vmax) [mx, vmax] = [t, v];
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
  const detail = options.detail ? { from: Math.max(0, Math.floor(options.detail.from)), to: Math.min(n, Math.ceil(options.detail.to)) } : undefined;
  // With a detail window: fine inside it, coarse outside (the axis and the zoom slider still show the whole series).
  const pick = (value: (t: number) => number): number[] => {
    if (!detail || (detail.from === 0 && detail.to === n)) return thinIndices(value, n, maxPoints);
    const coarse = thinIndices(value, n, Math.max(4, Math.floor(maxPoints / 4)));
    return [...coarse.filter((t) => t < detail.from), ...thinIndices(value, n, maxPoints, detail), ...coarse.filter((t) => t >= detail.to)];
  };
  const perChannel = options.panels === 'channels';
  const seriesPanels = perChannel ? shown : 1;
  const scorePanel = seriesPanels;
  const flaggedBands = input.ranges.map((r) => { const [a, b] = band(r); return [{ ...a, itemStyle: { color: FLAG } }, b]; });
  const trainBand = input.trainSteps ? [[{ xAxis: xOf(0), itemStyle: { color: TRAIN } }, { xAxis: xOf(Math.min(input.trainSteps, n - 1)) }]] : [];
  const series: LineSeriesOption[] = [];
  for (let c = 0; c < shown; c++) {
    const idx = pick((t) => input.values[t * channels + c]!);
    const panel = perChannel ? c : 0;
    series.push({
      type: 'line', name: input.channelNames?.[c] ?? (channels > 1 ? `channel ${c + 1}` : 'value'), xAxisIndex: panel, yAxisIndex: panel,
      data: idx.map((t) => [xOf(t), round(input.values[t * channels + c]!)]), showSymbol: false, lineStyle: { width: 1.2 }, color: PALETTE[c % PALETTE.length],
      // The shading once per panel: on its first line.
      ...(perChannel || c === 0 ? { markArea: { silent: true, data: [...trainBand, ...flaggedBands] as never } } : {}),
    });
  }
  const scoreIdx = pick((t) => input.scores[t]!);
  const truth = input.labels ? runsOf(input.labels) : [];
  series.push({
    type: 'line', name: 'score', xAxisIndex: scorePanel, yAxisIndex: scorePanel, data: scoreIdx.map((t) => [xOf(t), round(input.scores[t]!)]), showSymbol: false,
    lineStyle: { width: 1.2 }, color: '#555',
    markArea: {
      silent: true,
      data: [
        ...truth.map((r) => { const [a, b] = band(r); return [{ ...a, itemStyle: { color: LABEL } }, b]; }),
        ...flaggedBands,
      ] as never,
    },
  });
  // Its ends, and the detail window's: a zoomed chart filters out points outside its window, and the line must stay.
  const thresholdSteps = [...new Set([0, ...(detail ? [detail.from, Math.max(detail.from, detail.to - 1)] : []), n - 1])];
  series.push({
    type: 'line', name: `threshold ${formatNumber(input.threshold)}`, xAxisIndex: scorePanel, yAxisIndex: scorePanel, data: thresholdSteps.map((t) => [xOf(t), input.threshold]),
    showSymbol: false, lineStyle: { width: 1.5, type: 'dashed' }, color: PALETTE[2],
  });
  const flagged = input.ranges.reduce((a, r) => a + r.end - r.start, 0);
  const parts = [`${input.ranges.length} flagged range${input.ranges.length === 1 ? '' : 's'} (${flagged} of ${n} steps) in red`];
  if (input.trainSteps) parts.push(`training steps in grey`);
  if (truth.length) parts.push('labelled anomalies in yellow');
  if (shown < channels) parts.push(`${shown} of ${channels} channels shown`);
  const xAxisBase = ts ? { type: 'time' as const } : { type: 'value' as const, min: 0, max: n - 1 };
  const legendNames = series.map((s) => s.name as string);
  // Panels laid out in pixels: the title, subtitle and legend above, the axis labels (and the zoom slider) below.
  const height = options.height ?? 620;
  const top = 95;
  const bottom = options.zoom ? 84 : 45;
  const gap = perChannel ? 24 : 40;
  const weights = [...Array.from({ length: seriesPanels }, () => (perChannel ? 1 : 1.75)), 1];
  const free = Math.max(60 * weights.length, height - top - bottom - gap * (weights.length - 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const grid: { left: number; right: number; top: number; height: number }[] = [];
  let y = top;
  for (const w of weights) {
    const h = Math.floor((free * w) / total);
    grid.push({ left: 70, right: 30, top: y, height: h });
    y += h + gap;
  }
  const panelAxes = Array.from({ length: weights.length }, (_, i) => i);
  return {
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: 'DejaVu Sans, Verdana, sans-serif', color: '#222' },
    title: { text: options.title ?? 'Anomaly detection on a series', subtext: options.subtitle ?? parts.join(' · '), left: 'center', top: 8, textStyle: { fontSize: 17, fontWeight: 'bold', color: '#222' }, subtextStyle: { fontSize: 12, color: '#555' } },
    tooltip: { trigger: 'axis' },
    axisPointer: { link: [{ xAxisIndex: 'all' }] },
    legend: { top: 58, itemGap: 20, textStyle: { fontSize: 12 }, data: legendNames },
    grid,
    xAxis: panelAxes.map((i) => i === scorePanel
      ? { ...xAxisBase, gridIndex: i, name: ts ? '' : 'step', nameLocation: 'middle' as const, nameGap: 26, splitLine: { show: false }, ...AXIS }
      : { ...xAxisBase, gridIndex: i, splitLine: { show: false }, ...AXIS, axisLabel: { show: false } }),
    yAxis: panelAxes.map((i) => i === scorePanel
      ? { type: 'value' as const, gridIndex: i, scale: true, name: options.scoreName ?? 'score', nameLocation: 'middle' as const, nameGap: 50, splitLine: { show: true, lineStyle: { color: '#eee' } }, ...AXIS }
      : { type: 'value' as const, gridIndex: i, scale: true, ...(perChannel ? { name: series[i]!.name as string, nameLocation: 'middle' as const, nameGap: 50 } : {}), splitLine: { show: true, lineStyle: { color: '#eee' } }, ...AXIS }),
    series,
    ...(options.zoom ? {
      dataZoom: [
        { type: 'inside' as const, xAxisIndex: panelAxes, ...(detail ? { startValue: xOf(detail.from), endValue: xOf(Math.max(detail.from, detail.to - 1)) } : {}) },
        { type: 'slider' as const, xAxisIndex: panelAxes, bottom: 12, height: 26, showDetail: false, ...(detail ? { startValue: xOf(detail.from), endValue: xOf(Math.max(detail.from, detail.to - 1)) } : {}) },
      ],
    } : {}),
  };
}
