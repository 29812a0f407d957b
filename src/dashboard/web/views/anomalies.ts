/**
 * Anomalies: the reconstruction errors of the test samples (and of known
 * anomalies, when there are some) as a histogram, the threshold as a slider,
 * precision and recall at that threshold, and the top-scoring inputs.
 */
import { rocAuc } from '../../../eval/detection.js';
import { scoreHistogramSpec } from '../../../viz/charts.js';
import type { RunAnalysis } from '../api.js';
import { type Chart, disposeChart, makeChart, show } from '../chart.js';
import { fill, fmt, h } from '../dom.js';
import { sampleCanvas } from '../images.js';
import type { Ctx } from '../main.js';
import { loadAnalysis, samplesOf } from './latent.js';

/** How many of the highest scores are shown as pictures. */
const TOP = 24;

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
 * ROC-AUC of the scores against the known anomalies, or NaN where it is not
 * defined: non-finite scores (a diverged model) are left out, and both
 * classes must remain.
 */
function rocAucOfFinite(scores: readonly number[], truth: readonly number[]): number {
  const kept = scores.flatMap((s, i) => (Number.isFinite(s) ? [i] : []));
  const labels = kept.map((i) => truth[i]!);
  if (!labels.includes(1) || !labels.includes(0)) return NaN;
  return rocAuc(kept.map((i) => scores[i]!), labels);
}

export function anomaliesView(root: HTMLElement, ctx: Ctx): () => void {
  const id = ctx.id!;
  const status = h('p', { class: 'note' });
  const chartEl = h('div', { class: 'chart', id: 'anomaly-chart' });
  const slider = h('input', { type: 'range', id: 'threshold', min: '0', max: '1000', value: '500', 'aria-label': 'threshold' });
  const value = h('output', { id: 'threshold-value' }, '–');
  const stats = h('div', { class: 'stats', id: 'anomaly-stats' });
  const truthNote = h('p', { class: 'note' });
  const top = h('div', { class: 'thumbs', id: 'anomaly-top' });
  root.append(
    h('h1', {}, `Anomalies by ${id}`),
    h('p', { class: 'sub' }, 'A sample is flagged when its reconstruction error is above the threshold. Move the slider to trade missed anomalies for false alarms.'),
    status,
    h('div', { class: 'card' }, chartEl, h('div', { class: 'slider' }, h('span', {}, 'threshold'), slider, value), stats, truthNote),
    h('div', { class: 'card' }, h('h2', {}, `Highest scores (top ${TOP})`), top),
  );
  const chart: Chart = makeChart(chartEl);
  let a: RunAnalysis | undefined;
  let lo = 0;
  let hi = 1;

  const thresholdOf = () => lo + ((hi - lo) * Number(slider.value)) / 1000;
  const update = () => {
    if (!a) return;
    const t = thresholdOf();
    value.textContent = fmt(t);
    show(chart, scoreHistogramSpec({ scores: a.scores, threshold: t, ...(a.truth ? { labels: a.truth } : {}) }, {
      title: `Reconstruction errors (${a.loss}) of ${a.scores.length} samples`, xName: `anomaly score: reconstruction error (${a.loss}, summed per sample)`,
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
        h('div', {}, known ? 'known anomaly' : label !== undefined ? `label ${label}` : `sample ${i}`));
    }));
  };

  void loadAnalysis(id, status).then((x) => {
    if (!x) return;
    a = x;
    const finite = x.scores.filter(Number.isFinite);
    lo = Math.min(...finite);
    hi = Math.max(...finite);
    slider.value = String(Math.round((1000 * (x.threshold - lo)) / (hi - lo || 1)));
    const auc = x.truth ? rocAucOfFinite(x.scores, x.truth) : NaN;
    truthNote.textContent = x.truth
      ? `Known anomalies: ${x.truthSource}. ROC-AUC of the score: ${fmt(auc, 3)}. Start threshold: the 95th percentile of the test samples' scores.`
      : 'No known anomalies for this data (labels would need to be 0/1), so precision and recall cannot be shown. Start threshold: the 95th percentile of the scores.';
    update();
    drawTop(x);
  });
  slider.addEventListener('input', update);
  return () => disposeChart(chart);
}
