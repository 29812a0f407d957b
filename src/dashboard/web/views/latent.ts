/**
 * The latent space: test samples' codes in 2-D (the code itself, PCA or
 * UMAP, computed by the server in a child process), coloured by label;
 * hovering or clicking a point shows the input and its reconstruction.
 */
import { latentScatterSpec } from '../../../viz/charts.js';
import { api, type RunAnalysis } from '../api.js';
import { type Chart, disposeChart, makeChart, show } from '../chart.js';
import { fill, fmt, h } from '../dom.js';
import { dequantize, sampleCanvas } from '../images.js';
import type { Ctx } from '../main.js';

/** Fetches a run's analysis, saying what happens while the server computes it. */
export async function loadAnalysis(id: string, status: HTMLElement, method = 'auto'): Promise<RunAnalysis | undefined> {
  status.className = 'note';
  status.textContent = 'Computing codes, reconstructions and scores of the test samples (in a separate process; a few seconds)…';
  try {
    const a = await api<RunAnalysis>(`/api/analysis?id=${encodeURIComponent(id)}&method=${method}`);
    status.textContent = '';
    return a;
  } catch (e) {
    status.className = 'error';
    status.textContent = `Cannot analyse ${id}: ${(e as Error).message}`;
    return undefined;
  }
}

/** The decoded samples of an analysis, with a per-sample accessor. */
export function samplesOf(a: RunAnalysis): { input: (i: number) => Float32Array; reconstruction: (i: number) => Float32Array; range: [number, number] } {
  const inputs = dequantize(a.inputs);
  const recs = dequantize(a.reconstructions);
  const d = a.features;
  // Images in [0, 1] draw as they are; other data on the inputs' own range.
  const range: [number, number] = a.inputs.lo >= -1e-6 && a.inputs.hi <= 1 + 1e-6 ? [0, 1] : [a.inputs.lo, a.inputs.hi];
  return { input: (i) => inputs.subarray(i * d, (i + 1) * d), reconstruction: (i) => recs.subarray(i * d, (i + 1) * d), range };
}

export function latentView(root: HTMLElement, ctx: Ctx): () => void {
  const id = ctx.id!;
  const status = h('p', { class: 'note', id: 'latent-status' });
  const method = h('select', { id: 'latent-method' }, h('option', { value: 'auto' }, 'PCA'), h('option', { value: 'umap' }, 'UMAP'));
  const methodLabel = h('label', { style: { marginLeft: 'auto' }, hidden: true }, 'projection of the code ', method);
  const chartEl = h('div', { class: 'chart', id: 'latent-chart', style: { height: '560px' } });
  const detail = h('div', { id: 'latent-detail' }, h('p', { class: 'note' }, 'Hover over or click a point to see its input and reconstruction.'));
  root.append(
    h('div', { class: 'row' }, h('div', {}, h('h1', {}, `Latent space of ${id}`), h('p', { class: 'sub' }, 'Each point is a test sample placed by its code; colours are labels.')),
      methodLabel),
    status,
    h('div', { class: 'grid2' }, h('div', { class: 'card' }, chartEl), h('div', { class: 'card' }, h('h2', {}, 'Sample'), detail)),
  );
  const chart: Chart = makeChart(chartEl);
  let analysis: RunAnalysis | undefined;
  let samples: ReturnType<typeof samplesOf> | undefined;
  let shown = -1;

  const showSample = (i: number) => {
    if (!analysis || !samples || i === shown) return;
    shown = i;
    const a = analysis;
    const label = a.labels?.[i];
    const labelText = label === undefined ? '' : a.classNames?.[label] ?? String(label);
    const zoom = a.imageShape ? Math.max(2, Math.floor(168 / a.imageShape[2]!)) : 1;
    fill(detail,
      h('div', { class: 'pair' },
        h('figure', {}, sampleCanvas(samples.input(i), a.imageShape, zoom, samples.range), h('figcaption', {}, 'input')),
        h('figure', {}, sampleCanvas(samples.reconstruction(i), a.imageShape, zoom, samples.range), h('figcaption', {}, 'reconstruction'))),
      h('p', {}, `sample ${i}${labelText ? ` · label ${labelText}` : ''} · reconstruction error ${fmt(a.scores[i])} (${a.loss})`),
      h('p', { class: 'note' }, `point (${fmt(a.latent.points[2 * i])}, ${fmt(a.latent.points[2 * i + 1])})`));
  };

  const draw = (a: RunAnalysis) => {
    analysis = a;
    samples = samplesOf(a);
    shown = -1;
    methodLabel.hidden = a.codeSize <= 2;
    show(chart, latentScatterSpec({ points: a.latent.points, ...(a.labels ? { labels: a.labels } : {}), ...(a.classNames ? { classNames: a.classNames } : {}) }, {
      title: `${a.n} ${a.split} samples`, subtitle: a.latent.description, axisNames: a.latent.axisNames,
    }));
    showSample(0);
  };

  const load = async () => {
    chart.showLoading();
    const a = await loadAnalysis(id, status, method.value);
    chart.hideLoading();
    if (a) draw(a);
  };
  const pick = (p: { data?: unknown }) => {
    const d = p.data as [number, number, number] | undefined;
    if (Array.isArray(d)) showSample(d[2]);
  };
  chart.on('mouseover', pick);
  chart.on('click', pick);
  method.addEventListener('change', () => void load());
  void load();
  return () => disposeChart(chart);
}
