/**
 * A series run's steps (part of the Anomalies view): every channel, the
 * per-step score of the run's series detector with its threshold, the flagged
 * ranges shaded and the training steps grey (the chart of
 * figures/anomalies.png, seriesDetectionSpec, one panel per channel). Scroll
 * or drag to zoom and pan, or use the slider under the chart; a threshold
 * slider redraws the flagged ranges, and a table lists them (a click zooms to
 * one).
 *
 * The page holds every step (series-analysis.ts) and draws at most about two
 * points per pixel of the visible part: min and max per bucket of steps
 * (thinIndices), so a spike of one step among 22,000 is still drawn, and a
 * zoom redraws the visible steps in detail without asking the server.
 */
import { flaggedRanges, type FlaggedRange } from '../../../anomaly/ranges.js';
import { seriesDetectionSpec } from '../../../viz/series-detection.js';
import { api, type SeriesAnalysis } from '../api.js';
import { type Chart, disposeChart, makeChart, show } from '../chart.js';
import { fill, fmt, h } from '../dom.js';
import { scoreName, sliderRange } from './anomalies.js';

/** Channels drawn at most, each in its own panel. */
const MAX_CHANNELS = 8;
/** Ranges listed in the table: the highest peaks. */
const LISTED = 12;
/** Positions of the threshold slider. */
const STEPS = 1000;

/** The bytes of base64 text. */
function bytesOf(b64: string): ArrayBuffer {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes.buffer;
}

/** A step's time as the table and tooltip show it: "2014-02-08 14:30" (UTC), or the step number without timestamps. */
function stepLabel(ts: Float64Array | null, t: number): string {
  if (!ts) return `step ${t}`;
  const d = new Date(ts[t]!);
  return Number.isNaN(d.getTime()) ? `step ${t}` : d.toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * The step at axis value `x`: the first step whose running maximum of the
 * timestamps reaches it (timestamps that step back now and then still give
 * one answer), or `x` itself on a step axis.
 */
function stepAt(runningMax: Float64Array | null, x: number, steps: number): number {
  if (!runningMax) return Math.max(0, Math.min(steps, Math.round(x)));
  let lo = 0;
  let hi = steps;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runningMax[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The per-step card of a series run; `dispose` frees its chart. */
export function seriesCard(id: string): { el: HTMLElement; dispose: () => void } {
  const status = h('p', { class: 'note', id: 'series-status' }, 'Scoring every step of the series with the run\'s detector (in a separate process; seconds for tens of thousands of steps)…');
  const detectorNote = h('p', { class: 'note', id: 'series-detector' });
  const chartEl = h('div', { class: 'chart', id: 'series-chart' });
  const slider = h('input', { type: 'range', id: 'series-threshold', min: '0', max: String(STEPS), value: String(STEPS / 2), 'aria-label': 'step threshold' });
  const box = h('input', { type: 'number', id: 'series-threshold-value', step: 'any', 'aria-label': 'step threshold value', style: { width: '9em' } });
  const reset = h('button', { class: 'secondary', id: 'series-threshold-reset', type: 'button' }, "detector's threshold");
  const stats = h('div', { class: 'stats', id: 'series-stats' });
  const table = h('table', { class: 'runs', id: 'series-ranges' });
  const more = h('p', { class: 'note', id: 'series-ranges-more' });
  const el = h('div', { class: 'card', id: 'series-card' },
    h('h2', {}, 'Per step: the series and its anomaly score'),
    h('p', { class: 'note' }, 'Scroll or drag on the chart to zoom and pan (or use the bar under it); "zoom" in the table shows a range up close. Red: flagged ranges; grey: the steps the model and its detector were fitted on.'),
    status, detectorNote, chartEl,
    h('div', { class: 'slider' }, h('span', {}, 'step threshold'), slider, box, reset),
    stats,
    h('h2', { style: { marginTop: '14px' } }, 'Flagged ranges'), table, more);
  const chart: Chart = makeChart(chartEl);
  let a: SeriesAnalysis | undefined;
  let values: Float32Array = new Float32Array(0);
  let scores: Float32Array = new Float32Array(0);
  let ts: Float64Array | null = null;
  let runningMax: Float64Array | null = null;
  let threshold = 0;
  let ranges: FlaggedRange[] = [];
  let view = { from: 0, to: 0 };
  let lo = 0;
  let hi = 1;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const draw = () => {
    if (!a) return;
    const started = performance.now();
    const shown = Math.min(a.channels.length, MAX_CHANNELS);
    const spec = seriesDetectionSpec(
      { values, channels: a.channels.length, channelNames: a.channels, scores, threshold, ranges, timestamps: ts, trainSteps: a.trainSteps },
      {
        title: `Anomalies in ${a.file}`, scoreName: `score (${a.detector.score}, window ${a.window})`, panels: 'channels', maxChannels: shown,
        // About two points per pixel of the visible steps: min and max of each pixel's bucket.
        maxPoints: Math.max(400, 2 * chart.getWidth()), detail: view, zoom: true, height: chart.getHeight(),
      },
    );
    show(chart, spec, false);
    // For tests and the curious: which steps are drawn in detail, how often, and how long building the chart took.
    chartEl.dataset.ms = String(Math.round(performance.now() - started));
    chartEl.dataset.from = String(view.from);
    chartEl.dataset.to = String(view.to);
    chartEl.dataset.draws = String(Number(chartEl.dataset.draws ?? 0) + 1);
  };

  /** The visible steps after a zoom or pan, from the zoom's percentages of the axis. */
  const visible = (): { from: number; to: number } => {
    const zoom = (chart.getOption() as { dataZoom?: { start?: number; end?: number }[] }).dataZoom?.[0];
    const n = a!.steps;
    const [x0, x1] = ts ? [runningMax![0]!, runningMax![n - 1]!] : [0, n - 1];
    const at = (p: number | undefined, fallback: number) => x0 + ((x1 - x0) * (p ?? fallback)) / 100;
    const from = Math.min(n - 1, stepAt(runningMax, at(zoom?.start, 0), n));
    const to = Math.max(from + 1, Math.min(n, stepAt(runningMax, at(zoom?.end, 100), n) + 1));
    return { from, to };
  };

  const drawRanges = () => {
    if (!a) return;
    const top = [...ranges].sort((p, q) => q.maxScore - p.maxScore).slice(0, LISTED).sort((p, q) => p.start - q.start);
    fill(table,
      h('thead', {}, h('tr', {}, h('th', {}, 'from'), h('th', {}, 'to'), h('th', { class: 'num' }, 'steps'), h('th', { class: 'num' }, 'peak score'), h('th', {}, 'peak at'), h('th', {}, ''))),
      h('tbody', {}, ...top.map((r) => h('tr', { dataset: { start: String(r.start), end: String(r.end) } },
        h('td', {}, stepLabel(ts, r.start)), h('td', {}, stepLabel(ts, r.end - 1)), h('td', { class: 'num' }, String(r.end - r.start)),
        h('td', { class: 'num' }, fmt(r.maxScore)), h('td', {}, stepLabel(ts, r.peak)),
        h('td', {}, h('button', { class: 'secondary', type: 'button', onclick: () => zoomTo(r) }, 'zoom'))))));
    more.textContent = ranges.length === 0 ? 'No step scores above the threshold.' : ranges.length > top.length ? `The ${top.length} ranges with the highest peaks of ${ranges.length}, in time order.` : '';
  };

  const setThreshold = (t: number, from: 'slider' | 'box' | 'other') => {
    if (!a) return;
    threshold = t;
    if (from !== 'slider') slider.value = String(Math.round((STEPS * (Math.min(hi, Math.max(lo, t)) - lo)) / (hi - lo)));
    if (from !== 'box') box.value = String(Number(t.toPrecision(6)));
    ranges = flaggedRanges(scores, t);
    const flagged = ranges.reduce((s, r) => s + r.end - r.start, 0);
    const items: [string, string][] = [[`${flagged} of ${a.steps}`, 'steps flagged'], [`${((100 * flagged) / a.steps).toFixed(1)}%`, 'flag rate'], [String(ranges.length), 'ranges'], [fmt(t), 'threshold']];
    fill(stats, ...items.map(([v, k]) => h('div', { dataset: { stat: k } }, h('b', {}, v), h('span', {}, k))));
    drawRanges();
    draw();
  };

  /** Zooms to a range with some steps around it (a window's worth at least). */
  const zoomTo = (r: FlaggedRange) => {
    if (!a) return;
    const margin = Math.max(a.window, r.end - r.start);
    view = { from: Math.max(0, r.start - margin), to: Math.min(a.steps, r.end + margin) };
    draw();
  };

  chart.on('datazoom', () => {
    // Redraw the visible steps in detail once the wheel or drag settles.
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!a) return;
      view = visible();
      draw();
      // A tooltip shown while the wheel turned holds the old points' values: it goes until the mouse moves.
      chart.dispatchAction({ type: 'hideTip' });
    }, 120);
  });

  void api<SeriesAnalysis>(`/api/series?id=${encodeURIComponent(id)}`).then((x) => {
    a = x;
    // Little-endian bytes, as every machine a browser runs on reads them.
    values = new Float32Array(bytesOf(x.values));
    scores = new Float32Array(bytesOf(x.scores));
    ts = x.timestamps ? new Float64Array(bytesOf(x.timestamps)) : null;
    if (ts) {
      runningMax = new Float64Array(ts.length);
      let m = -Infinity;
      ts.forEach((v, i) => (runningMax![i] = m = Math.max(m, v)));
    }
    view = { from: 0, to: x.steps };
    const shown = Math.min(x.channels.length, MAX_CHANNELS);
    // Title and legend, a panel per channel, the score's panel, the axis and the zoom bar.
    chartEl.style.height = `${95 + 84 + 150 * shown + 180}px`;
    chart.resize();
    [lo, hi] = sliderRange(Array.from(scores), x.threshold);
    const d = x.detector;
    const origin = d.fittedNow ? "fitted by the dashboard now, with aekit detect's defaults" : 'fitted when the run trained, or by aekit detect';
    const strategy = d.thresholdStrategy.type === 'contamination' ? `the ${fmt(100 * (1 - d.thresholdStrategy.contamination), 3)}th percentile of its training steps' scores` : `set by '${d.thresholdStrategy.type}'`;
    detectorNote.textContent = `${x.steps} steps of ${x.channels.length} channel${x.channels.length === 1 ? '' : 's'} (${x.channels.join(', ')}${shown < x.channels.length ? `; the first ${shown} drawn` : ''}). A step's score is the mean ${scoreName(d)} of the ${x.window}-step windows covering it${x.smoothing > 1 ? `, smoothed by a moving mean over ${x.smoothing} steps` : ''}. The run's series detector is in ${x.id}/${d.folder}/ (${origin}); its threshold, ${fmt(x.threshold)}, is ${strategy}. aekit detect ${x.id} lists the same ranges.`;
    status.textContent = '';
    setThreshold(x.threshold, 'other');
  }).catch((e: unknown) => {
    status.className = 'error';
    status.textContent = `Cannot score the series of ${id}: ${(e as Error).message}`;
  });

  slider.addEventListener('input', () => setThreshold(lo + ((hi - lo) * Number(slider.value)) / STEPS, 'slider'));
  box.addEventListener('input', () => {
    const t = Number(box.value);
    if (box.value !== '' && Number.isFinite(t)) setThreshold(t, 'box');
  });
  reset.addEventListener('click', () => a && setThreshold(a.threshold, 'other'));
  return {
    el,
    dispose: () => {
      clearTimeout(timer);
      disposeChart(chart);
    },
  };
}
