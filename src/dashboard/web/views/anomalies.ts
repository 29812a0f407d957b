/**
 * Anomalies: the scores of the run's one detector (the one `aekit detect`
 * and the demo's report use, src/runs/run-detector.ts) on the test samples
 * and on known anomalies when there are some, as a histogram; its threshold
 * as a slider over the bulk of the scores (a number box reaches any value);
 * precision and recall at that threshold, the detector's metrics at its own,
 * ROC and precision–recall curves, and the top-scoring inputs. A series
 * run's steps and their scores come first (series.ts).
 */
import { quantile } from '../../../eval/stats.js';
import { precisionRecallSpec, rocCurveSpec, scoreHistogramSpec } from '../../../viz/charts.js';
import type { RunAnalysis } from '../api.js';
import { type Chart, disposeChart, makeChart, show } from '../chart.js';
import { fill, fmt, h } from '../dom.js';
import { sampleCanvas } from '../images.js';
import type { Ctx } from '../main.js';
import { loadAnalysis, samplesOf } from './latent.js';
import { seriesCard } from './series.js';

/** How many of the highest scores are shown as pictures. */
const TOP = 24;
/** Positions of the slider. */
const STEPS = 1000;
/** The slider spans these quantiles of the scores (the histogram's axis fits the same bulk): one extreme score does not stretch it. */
const BULK = [0.005, 0.995] as const;

/** Confusion counts of "score > threshold" against known truth. */
export function confusion(scores: readonly number[], truth: readonly number[] | undefined, threshold: number): { flagged: number; tp: number; fp: number; fn: number } {
  let flagged = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  scores.forEach((s, i) => {
    const hit = s > threshold;
    if (hit) flagged++;
    if (!truth) return;
    if (hit && truth[i] === 1) tp++;
    else if (hit) fp++;
    else if (truth[i] === 1) fn++;
  });
  return { flagged, tp, fp, fn };
}

/**
 * The range of the threshold slider: the bulk of
 * the finite scores (quantiles {@link BULK}), widened to hold `threshold`;
 * the whole range when the bulk is a single value.
 */
export function sliderRange(scores: readonly number[], threshold: number): [number, number] {
  const finite = scores.filter(Number.isFinite);
  if (finite.length === 0) return [threshold - 1, threshold + 1];
  let lo = quantile(finite, BULK[0]);
  let hi = quantile(finite, BULK[1]);
  if (!(hi > lo)) [lo, hi] = [Math.min(...finite), Math.max(...finite)];
  lo = Math.min(lo, threshold);
  hi = Math.max(hi, threshold);
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  return [lo, hi];
}

/** The detector's score in words, e.g. "combined score (standardized mse + knn)". */
export function scoreName(d: Pick<RunAnalysis['detector'], 'score' | 'combine'>): string {
  return d.score === 'combined' ? `combined score (standardized ${d.combine.join(' + ')})` : `${d.score} score`;
}

/** Where the detector came from, in words. */
function detectorOrigin(a: RunAnalysis): string {
  const d = a.detector;
  const strategy = d.steps
    // A series detector's threshold is on steps: each scores the mean of the windows covering it (smoothed), the same scale as a window's score.
    ? `threshold: its step threshold${d.thresholdStrategy.type === 'contamination' ? `, the ${fmt(100 * (1 - d.thresholdStrategy.contamination), 3)}th percentile of the training steps' scores` : ''} (a step scores the mean of the windows covering it, smoothed over neighbouring steps)`
    : d.thresholdStrategy.type === 'contamination' ? `threshold at the ${fmt(100 * (1 - d.thresholdStrategy.contamination), 3)}th percentile of its ${d.trainSamples} training scores` : `threshold set by '${d.thresholdStrategy.type}'`;
  const origin = d.fittedNow ? "fitted by the dashboard on first use, with aekit detect's defaults" : 'saved there before: by aekit demo, aekit detect or the dashboard';
  return `The run's detector is in ${a.id}/${d.folder}/ (${origin}); ${strategy}. The report, aekit detect and Try it use this same detector.`;
}

export function anomaliesView(root: HTMLElement, ctx: Ctx): () => void {
  const id = ctx.id!;
  const status = h('p', { class: 'note' });
  const detectorNote = h('p', { class: 'note', id: 'anomaly-detector' });
  const chartEl = h('div', { class: 'chart', id: 'anomaly-chart' });
  const slider = h('input', { type: 'range', id: 'threshold', min: '0', max: String(STEPS), value: String(STEPS / 2), 'aria-label': 'threshold' });
  const box = h('input', { type: 'number', id: 'threshold-value', step: 'any', 'aria-label': 'threshold value', style: { width: '9em' } });
  const reset = h('button', { class: 'secondary', id: 'threshold-reset', type: 'button' }, "detector's threshold");
  const stats = h('div', { class: 'stats', id: 'anomaly-stats' });
  const metrics = h('p', { class: 'note', id: 'anomaly-metrics' });
  const curves = h('div', { class: 'grid2', id: 'anomaly-curves', hidden: true });
  const rocEl = h('div', { class: 'chart', id: 'anomaly-roc' });
  const prEl = h('div', { class: 'chart', id: 'anomaly-pr' });
  curves.append(h('div', { class: 'card' }, rocEl), h('div', { class: 'card' }, prEl));
  const top = h('div', { class: 'thumbs', id: 'anomaly-top' });
  // A series run (trained with --window): its steps and their scores first; the windows below.
  const window = ctx.run(id)?.window;
  const series = window !== undefined ? seriesCard(id) : undefined;
  root.append(
    h('h1', {}, `Anomalies by ${id}`),
    h('p', { class: 'sub' }, series
      ? `A step is flagged when its score, the mean score of the ${window}-step windows covering it smoothed over neighbouring steps, is above the series detector's threshold; below, the windows themselves, the samples the model saw. Move a slider (or type a value) to trade missed anomalies for false alarms.`
      : "A sample is flagged when the run's anomaly detector scores it above the threshold. Move the slider (or type a value) to trade missed anomalies for false alarms."),
    ...(series ? [series.el] : []),
    status,
    h('div', { class: 'card' }, series ? h('h2', {}, `Per window: the scores of ${window}-step windows`) : null, detectorNote, chartEl, h('div', { class: 'slider' }, h('span', {}, 'threshold'), slider, box, reset), stats, metrics),
    curves,
    h('div', { class: 'card' }, h('h2', {}, `Highest scores (top ${TOP})`), top),
  );
  const chart: Chart = makeChart(chartEl);
  const roc: Chart = makeChart(rocEl);
  const pr: Chart = makeChart(prEl);
  let a: RunAnalysis | undefined;
  let lo = 0;
  let hi = 1;
  let threshold = 0;

  const update = () => {
    if (!a) return;
    const t = threshold;
    const name = scoreName(a.detector);
    show(chart, scoreHistogramSpec({ scores: a.scores, threshold: t, ...(a.truth ? { labels: a.truth } : {}) }, {
      // 'auto': the axis spans the bulk of the scores (as the slider does) and ends on round ticks; linear like the slider.
      title: `Anomaly scores of ${a.scores.length} samples`, xName: `anomaly score: ${name}`, range: 'auto', logScores: false,
      ...(a.truth ? { groupNames: ['normal (test set)', 'known anomalies'] as const } : {}),
    }), false);
    const c = confusion(a.scores, a.truth, t);
    const items = [[`${c.flagged} of ${a.scores.length}`, 'flagged'], [`${((100 * c.flagged) / a.scores.length).toFixed(1)}%`, 'flag rate']];
    if (a.truth) {
      const precision = c.tp + c.fp ? c.tp / (c.tp + c.fp) : NaN;
      const recall = c.tp + c.fn ? c.tp / (c.tp + c.fn) : NaN;
      const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : NaN;
      items.push([Number.isNaN(precision) ? '–' : `${(100 * precision).toFixed(1)}%`, 'precision'], [Number.isNaN(recall) ? '–' : `${(100 * recall).toFixed(1)}%`, 'recall'], [fmt(f1, 3), 'F1']);
    }
    fill(stats, ...items.map(([v, k]) => h('div', { dataset: { stat: k } }, h('b', {}, v), h('span', {}, k))));
    if (a.truth && a.evaluation) {
      show(roc, rocCurveSpec({ scores: a.scores, labels: a.truth, threshold: t }, { title: `ROC curve (${a.detector.score} score)` }), true);
      show(pr, precisionRecallSpec({ scores: a.scores, labels: a.truth, threshold: t }, { title: `Precision–recall (${a.detector.score} score)` }), true);
    }
  };
  const setThreshold = (t: number, from: 'slider' | 'box' | 'other') => {
    threshold = t;
    if (from !== 'slider') slider.value = String(Math.round((STEPS * (Math.min(hi, Math.max(lo, t)) - lo)) / (hi - lo)));
    if (from !== 'box') box.value = String(Number(t.toPrecision(6)));
    update();
  };

  /** A table sample's most anomalous features, as the detector's explain() gives them. */
  const why = (x: RunAnalysis, i: number) => {
    const e = x.explanations?.find((ex) => ex.sample === i);
    return e ? [h('div', { class: 'why', title: "each feature's share of the evidence behind the score (its reconstruction error)" }, e.top.map((t) => `${t.feature} ${Math.round(100 * t.share)}%`).join(' · '))] : [];
  };

  const drawTop = (x: RunAnalysis) => {
    const s = samplesOf(x);
    const order = x.scores.map((v, i) => [v, i] as const).filter(([v]) => Number.isFinite(v)).sort((p, q) => q[0] - p[0]).slice(0, TOP);
    fill(top, ...order.map(([score, i]) => {
      const known = x.truth?.[i] === 1;
      const label = i < x.n && x.labels ? x.classNames?.[x.labels[i]!] ?? String(x.labels[i]) : undefined;
      return h('div', { class: `thumb${known ? ' known' : ''}` },
        h('div', { class: 'pair', style: { justifyContent: 'center', gap: '4px' } }, sampleCanvas(s.input(i), x.imageShape, 2, s.range), sampleCanvas(s.reconstruction(i), x.imageShape, 2, s.range)),
        h('div', {}, `score ${fmt(score)}`),
        h('div', {}, known ? 'known anomaly' : label !== undefined ? `label ${label}` : `sample ${i}`),
        ...why(x, i));
    }));
  };

  void loadAnalysis(id, status).then((x) => {
    if (!x) return;
    a = x;
    [lo, hi] = sliderRange(x.scores, x.threshold);
    detectorNote.textContent = `Score: ${scoreName(x.detector)}. ${detectorOrigin(x)}`;
    const e = x.evaluation;
    metrics.textContent = x.truth
      ? `Known anomalies: ${x.truthSource}.${e ? ` At the detector's threshold ${fmt(x.threshold)}: ROC-AUC ${e.rocAuc.toFixed(4)}, average precision ${e.averagePrecision.toFixed(4)}, precision ${(100 * e.precision).toFixed(1)}%, recall ${(100 * e.recall).toFixed(1)}% (the numbers of the report and aekit detect).` : ' Some scores are not finite (a diverged model): no metrics.'}`
      : 'No known anomalies for this data (labels would need to be 0/1), so precision, recall and the curves cannot be shown.';
    curves.hidden = !(x.truth && e);
    roc.resize();
    pr.resize();
    setThreshold(x.threshold, 'other');
    drawTop(x);
  });
  slider.addEventListener('input', () => setThreshold(lo + ((hi - lo) * Number(slider.value)) / STEPS, 'slider'));
  box.addEventListener('input', () => {
    const t = Number(box.value);
    if (box.value !== '' && Number.isFinite(t)) setThreshold(t, 'box');
  });
  reset.addEventListener('click', () => a && setThreshold(a.threshold, 'other'));
  return () => {
    series?.dispose();
    disposeChart(chart);
    disposeChart(roc);
    disposeChart(pr);
  };
}
