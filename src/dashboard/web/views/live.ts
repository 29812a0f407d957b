/**
 * One run as it trains: epoch, step, loss, samples/s and ETA as the steps
 * happen (from progress.json through the event stream), what the trainer does
 * after its last step (test set, figures), the loss and throughput per step
 * with the epochs marked, the loss per epoch, and the reconstructions of a
 * fixed set of inputs (images, or line plots for tables and sequences),
 * refreshed each epoch.
 */
import { type ChartSpec, lossCurvesSpec } from '../../../viz/charts.js';
import { api, runFile, type EventMap, type ProgressSnapshot, type RunCurves, type RunSummary } from '../api.js';
import { type Chart, disposeChart, makeChart, show, showEmpty } from '../chart.js';
import { badge, duration, fill, fmt, h } from '../dom.js';
import type { Ctx } from '../main.js';

/** Samples/s points kept for the throughput chart when progress.json has no throughput history (older runs). */
const SPEED_POINTS = 300;

/** Dashed vertical lines at the steps where epochs 2, 3, … began, labelled with the epoch. */
function epochMarks(epochStarts: readonly [number, number][]): Record<string, unknown> {
  const data = epochStarts.filter(([epoch]) => epoch > 1).map(([epoch, step]) => ({ xAxis: step + 0.5, label: { formatter: `epoch ${epoch}` } }));
  return { symbol: 'none', silent: true, animation: false, lineStyle: { type: 'dashed', color: '#b0b4ba', width: 1 }, label: { position: 'insideEndTop', color: '#8a8f96', fontSize: 11 }, data };
}

/** Adds epoch marks to a chart's first series. */
function withEpochMarks(spec: ChartSpec, epochStarts: readonly [number, number][]): ChartSpec {
  const series = spec.series as Record<string, unknown>[];
  return { ...spec, series: series.map((x, i) => (i === 0 ? { ...x, markLine: epochMarks(epochStarts) } : x)) };
}

/** Training throughput over the steps (not a loss: no log axis, starts at 0). */
function speedSpec(points: [number, number][]): ChartSpec {
  return {
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: 'DejaVu Sans, Verdana, sans-serif', color: '#222' },
    title: { text: 'Throughput', left: 'center', top: 8, textStyle: { fontSize: 17, fontWeight: 'bold', color: '#222' } },
    tooltip: { trigger: 'axis' },
    grid: { left: 72, right: 32, top: 52, bottom: 56 },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 30, scale: true, minInterval: 1, splitLine: { show: false } },
    yAxis: { type: 'value', name: 'samples/s', nameLocation: 'middle', nameGap: 52, min: 0 },
    series: [{ type: 'line', name: 'samples/s', data: points.map(([x, y]) => [x, Math.round(y)]), showSymbol: points.length <= 30, sampling: 'lttb', color: '#59a14f', lineStyle: { width: 2 } }],
  };
}

export function liveView(root: HTMLElement, ctx: Ctx): () => void {
  const id = ctx.id!;
  const title = h('h1', {}, id, ' ');
  const message = h('p', { class: 'sub' });
  const jobLog = h('p', { class: 'error', id: 'live-job-log', hidden: true });
  const stopButton = h('button', { class: 'secondary', hidden: true, onclick: () => void stop() }, 'Stop (saves a checkpoint)');
  const tile = (k: string, idName: string) => {
    const v = h('div', { class: 'v', id: idName }, '–');
    return { el: h('div', { class: 'tile' }, h('div', { class: 'k' }, k), v), v };
  };
  const tEpoch = tile('epoch', 'live-epoch');
  const bar = h('div');
  tEpoch.el.append(h('div', { class: 'progressbar' }, bar));
  const tStep = tile('step', 'live-step');
  const tLoss = tile('loss (last step)', 'live-loss');
  const tSpeed = tile('samples/s', 'live-speed');
  const tEta = tile('epoch ends in', 'live-eta');
  const etaLabel = tEta.el.querySelector('.k')!;
  const following = h('p', { class: 'note following', id: 'live-following', hidden: true });
  const stepChartEl = h('div', { class: 'chart', id: 'live-step-chart', dataset: { updates: '0' } });
  const epochChartEl = h('div', { class: 'chart small', id: 'live-epoch-chart' });
  const speedChartEl = h('div', { class: 'chart small', id: 'live-speed-chart' });
  const recon = h('img', { class: 'recon pixelated', id: 'live-recon', alt: 'reconstructions of fixed inputs' });
  const reconNote = h('p', { class: 'note' });
  root.append(
    h('div', { class: 'row' }, h('div', {}, title, message), h('div', { style: { marginLeft: 'auto' } }, stopButton)),
    jobLog,
    following,
    h('div', { class: 'tiles' }, tEpoch.el, tStep.el, tLoss.el, tSpeed.el, tEta.el),
    h('div', { class: 'grid2' },
      h('div', { class: 'card' }, stepChartEl),
      h('div', { class: 'card' }, h('h2', {}, 'Reconstructions'), recon, reconNote)),
    h('div', { class: 'grid2', style: { marginTop: '16px' } },
      h('div', { class: 'card' }, epochChartEl),
      h('div', { class: 'card' }, speedChartEl)),
  );
  const stepChart: Chart = makeChart(stepChartEl);
  const epochChart: Chart = makeChart(epochChartEl);
  const speedChart: Chart = makeChart(speedChartEl);
  let steps: [number, number][] = [];
  let stride = 1;
  let speed: [number, number][] = [];
  let epochStarts: [number, number][] = [];
  let last: ProgressSnapshot | undefined;
  let updates = 0;

  const summary = (): RunSummary | undefined => ctx.run(id);
  const drawHeader = () => {
    const r = summary();
    fill(title, id, ' ', r ? badge(r.status) : h('span', { class: 'note' }, 'waiting for the run folder…'));
    const parts = [r?.model, r?.data, r?.training?.samples ? `${r.training.samples} samples` : undefined, r?.training?.batchSize ? `batch ${r.training.batchSize}` : undefined, r?.message].filter(Boolean);
    fill(message, parts.join(' · '), r?.problems.length ? h('span', { class: 'problems', style: { display: 'block' } }, `⚠ ${r.problems.join('; ')}`) : null);
    const job = ctx.jobs().find((j) => j.id === id);
    stopButton.hidden = job?.state !== 'running' || r?.status !== 'running';
    // A training started from the page that ended badly says why in its own output.
    if (job && job.state === 'exited' && job.exitCode !== 0) {
      jobLog.hidden = false;
      fill(jobLog, `aekit train ended with exit code ${job.exitCode ?? '(none)'}:\n${job.log.slice(-6).join('\n')}`);
    }
    if (r && r.epochsDone !== undefined && !steps.length) tEpoch.v.textContent = `${r.epochsDone} / ${r.epochsPlanned ?? '?'}`;
    drawEta();
    // A finished run on screen while another trains: say so (the Live tab without a run in its route follows it).
    const other = r?.status === 'running' ? undefined : ctx.runs().find((x) => x.status === 'running' && x.id !== id);
    following.hidden = !other;
    if (other) fill(following, h('a', { href: `#live/${encodeURIComponent(other.id)}` }, other.id), ' is training now; this page shows ', id, '.');
  };

  /** The ETA tile: the time left in the epoch while stepping, else what the trainer does after its last step. */
  const drawEta = () => {
    const running = summary()?.status === 'running';
    const p = last;
    const finishing = p && running && (p.phase !== undefined || (p.batches !== undefined && p.batch >= p.batches));
    etaLabel.textContent = finishing ? 'now' : 'epoch ends in';
    tEta.el.classList.toggle('phase', Boolean(finishing));
    if (!running || !p) tEta.v.textContent = '–';
    else if (p.phase !== undefined) tEta.v.textContent = `${p.phase}…`;
    else if (finishing) tEta.v.textContent = p.epoch >= p.epochs ? 'finishing the last epoch…' : 'finishing the epoch…';
    else tEta.v.textContent = duration(p.etaSeconds);
  };

  const drawSteps = () => {
    if (steps.length === 0) {
      showEmpty(stepChart, 'No step progress yet (progress.json appears once training runs)');
      return;
    }
    show(stepChart, withEpochMarks(lossCurvesSpec({ name: id, x: steps.map((p) => p[0]), train: steps.map((p) => p[1]) }, {
      title: 'Loss per step', xName: stride > 1 ? `step (points merge ${stride} reports)` : 'step',
    }), epochStarts), false);
    updates++;
    stepChartEl.dataset.updates = String(updates);
  };

  const applyProgress = (p: ProgressSnapshot, delta: boolean, after = 0) => {
    // Points up to `after` are final; later ones (the last may still change) are replaced by the new ones.
    const merge = (mine: [number, number][], theirs: [number, number][]) => (delta && p.stride === stride ? [...mine.filter(([x]) => x <= after), ...theirs] : theirs.slice());
    if (p.throughput) speed = merge(speed, p.throughput);
    else {
      // A file from before throughput was kept: collect it as the events come.
      speed.push([p.step, p.samplesPerSec]);
      if (speed.length > SPEED_POINTS) speed.splice(0, speed.length - SPEED_POINTS);
    }
    steps = merge(steps, p.steps);
    stride = p.stride;
    epochStarts = p.epochStarts ?? [];
    last = p;
    tEpoch.v.textContent = `${p.epoch} / ${p.epochs}`;
    bar.style.width = p.batches ? `${(100 * p.batch) / p.batches}%` : '0';
    tStep.v.textContent = String(p.step);
    tLoss.v.textContent = fmt(p.loss);
    tSpeed.v.textContent = Number.isFinite(p.samplesPerSec) ? Math.round(p.samplesPerSec).toLocaleString('en-US') : '–';
    drawEta();
    drawSteps();
    if (speed.length) show(speedChart, withEpochMarks(speedSpec(speed), epochStarts), false);
  };

  const drawEpochs = (c: RunCurves) => {
    if (c.loss.length === 0) {
      showEmpty(epochChart, 'No finished epoch yet');
      return;
    }
    show(epochChart, lossCurvesSpec({ name: id, x: c.epochs, train: c.loss.map((v) => v ?? NaN), ...(c.valLoss ? { validation: c.valLoss.map((v) => v ?? NaN) } : {}) }, { title: `Loss per epoch${c.total > c.epochs.length ? ` (${c.epochs.length} of ${c.total} epochs drawn)` : ''}` }));
  };

  const showReconstructions = (version: string) => {
    const r = summary();
    recon.hidden = false;
    // Images keep their pixels square; line plots of tables and sequences are smoothed like any picture.
    recon.classList.toggle('pixelated', Boolean(r?.imageShape));
    if (r?.files.liveReconstructions) {
      recon.src = `${runFile(id, 'live/reconstructions.png')}?v=${encodeURIComponent(version)}`;
      reconNote.textContent = r.imageShape
        ? 'Fixed inputs (top) and their reconstructions after the last finished epoch.'
        : 'A few fixed samples: the input (solid) and its reconstruction (dashed) after the last finished epoch.';
    } else if (r?.files.figures.includes('reconstructions.png')) {
      recon.src = runFile(id, 'figures/reconstructions.png');
      reconNote.textContent = 'Reconstructions after training (figures/reconstructions.png).';
    } else {
      recon.removeAttribute('src');
      recon.hidden = true;
      reconNote.textContent = r && r.status !== 'running' ? 'This run saved no reconstructions to show.' : 'Reconstructions appear after the first epoch.';
    }
  };

  async function stop() {
    stopButton.disabled = true;
    try {
      await api('/api/stop', { id });
    } catch (e) {
      message.textContent = (e as Error).message;
    }
  }

  // What happened before the page looked; a run started from the page is fetched once its folder exists.
  let fetched = false;
  const fetchCurves = () => {
    if (fetched || !summary()) return;
    fetched = true;
    void api<RunCurves>(`/api/curves?id=${encodeURIComponent(id)}`).then((c) => {
      drawEpochs(c);
      if (c.progress && steps.length === 0) applyProgress(c.progress, false);
    }).catch((e: Error) => {
      message.textContent = e.message;
    });
  };
  drawHeader();
  showReconstructions(summary()?.updated ?? '');
  showEmpty(stepChart, 'No step progress yet (progress.json appears once training runs)');
  showEmpty(epochChart, 'No finished epoch yet');
  showEmpty(speedChart, 'No throughput yet');
  fetchCurves();
  const offs = [
    ctx.events.on('progress', (d: EventMap['progress']) => {
      if (d.id === id) applyProgress(d.progress, d.delta, d.after);
    }),
    ctx.events.on('curves', (c) => {
      if (c.id === id) drawEpochs(c);
    }),
    ctx.events.on('reconstructions', (d) => {
      if (d.id === id) showReconstructions(d.version);
    }),
    ctx.events.on('runs', () => {
      const before = recon.getAttribute('src');
      fetchCurves();
      drawHeader();
      if (!before) showReconstructions(summary()?.updated ?? '');
    }),
    ctx.events.on('jobs', drawHeader),
  ];
  return () => {
    for (const off of offs) off();
    for (const c of [stepChart, epochChart, speedChart]) disposeChart(c);
  };
}
