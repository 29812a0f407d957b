/**
 * The runs table, a form to start a run, and the loss curves of chosen runs
 * overlaid. Tuning studies are listed above the runs, one line each; their
 * trials' run folders are on the study pages, not in the runs table.
 */
import { lossCurvesSpec, type LossCurve } from '../../../viz/charts.js';
import { api, runFile, type RunCurves, type RunSummary, type TrainJob } from '../api.js';
import { type Chart, disposeChart, makeChart, show } from '../chart.js';
import { ago, badge, fill, fmt, h } from '../dom.js';
import { type Ctx, type ViewName, canTry } from '../main.js';
import { trialsText } from './study.js';

/** Runs compared by default: the newest few with metrics. */
const DEFAULT_COMPARED = 5;

export function runsView(root: HTMLElement, ctx: Ctx): () => void {
  const compared = new Set<string>();
  let chosenByUser = false;
  const curves = new Map<string, RunCurves>();
  const tableBody = h('tbody');
  const chartEl = h('div', { class: 'chart', id: 'compare-chart' });
  const chartNote = h('p', { class: 'note' });
  const form = newRunForm(ctx);
  const studiesList = h('ul', { class: 'studies', id: 'runs-studies' });
  const studiesCard = h('div', { class: 'card', hidden: true }, h('h2', {}, 'Studies'), studiesList);
  const trialsNote = h('p', { class: 'note' });
  root.append(
    h('h1', {}, 'Runs'),
    h('p', { class: 'sub' }, 'Every run folder under the runs folder; new runs appear as they start. Tick runs to compare their loss curves.'),
    form,
    studiesCard,
    h('div', { class: 'card' }, h('table', { class: 'runs', id: 'runs-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, ''), h('th', {}, 'run'), h('th', {}, 'status'), h('th', {}, 'model'), h('th', {}, 'data'), h('th', { class: 'num' }, 'epochs'),
        h('th', { class: 'num' }, 'loss'), h('th', { class: 'num' }, 'val loss'), h('th', { class: 'num' }, 'test MSE (PCA)'), h('th', { class: 'num' }, 'PSNR dB'),
        h('th', {}, 'updated'), h('th', {}, 'views'))),
      tableBody), trialsNote),
    h('div', { class: 'card' }, h('h2', {}, 'Loss curves'), chartEl, chartNote),
  );
  const chart: Chart = makeChart(chartEl);

  const pickDefault = (runs: RunSummary[]) => {
    if (chosenByUser) return;
    compared.clear();
    for (const r of runs.filter((x) => x.final).slice(0, DEFAULT_COMPARED)) compared.add(r.id);
  };

  const drawChart = () => {
    const list: LossCurve[] = [];
    for (const id of compared) {
      const c = curves.get(id);
      if (!c || c.loss.length === 0) continue;
      list.push({ name: id, x: c.epochs, train: c.loss.map((v) => v ?? NaN), ...(c.valLoss ? { validation: c.valLoss.map((v) => v ?? NaN) } : {}) });
    }
    if (list.length === 0) {
      chart.clear();
      chartNote.textContent = compared.size ? 'The chosen runs have no finished epoch yet.' : 'Tick runs in the table to overlay their loss curves.';
      return;
    }
    // One run's curves are named train/validation; several are named by run.
    show(chart, lossCurvesSpec(list, { title: list.length === 1 ? `Loss of ${list[0]!.name}` : 'Loss, runs compared' }));
    const thinned = [...compared].filter((id) => (curves.get(id)?.total ?? 0) > (curves.get(id)?.epochs.length ?? 0));
    chartNote.textContent = `Solid: training loss; dashed: validation loss.${thinned.length ? ` Long histories thinned for drawing (${thinned.join(', ')}).` : ''}`;
  };

  const loadCurves = async () => {
    await Promise.all([...compared].filter((id) => !curves.has(id)).map(async (id) => {
      try {
        curves.set(id, await api<RunCurves>(`/api/curves?id=${encodeURIComponent(id)}`));
      } catch {
        // A run removed meanwhile: left out of the chart.
      }
    }));
    drawChart();
  };

  const renderStudies = () => {
    const studies = ctx.studies();
    studiesCard.hidden = studies.length === 0;
    fill(studiesList, ...studies.map((st) => h('li', {},
      h('a', { href: `#study/${encodeURIComponent(st.id)}` }, st.id), ' ', badge(st.status), ' ',
      h('span', { class: 'note' }, [
        st.objective && `${st.objective} (${st.direction === 'maximize' ? 'max' : 'min'})`,
        `${trialsText(st)} trials`,
        st.best && `best ${fmt(st.best.value)} (trial ${st.best.trial})`,
        ago(st.updated),
      ].filter(Boolean).join(' · ')))));
  };

  const renderTable = () => {
    // A study's trials are listed on its page (the Studies tab).
    const all = ctx.runs();
    const runs = all.filter((r) => !r.study);
    const trials = all.length - runs.length;
    trialsNote.textContent = trials ? `${trials} trial run${trials === 1 ? '' : 's'} of tuning studies are listed on their study pages (Studies tab).` : '';
    pickDefault(runs);
    if (runs.length === 0) {
      fill(tableBody, h('tr', {}, h('td', { colSpan: 12, class: 'empty' }, `No run folders${trials ? ' besides the studies\' trials' : ''} yet. Start a run above, or run \`aekit train\` (or \`aekit demo\`) in a terminal.`)));
      return;
    }
    fill(tableBody, ...runs.flatMap((r) => rows(r, compared, (id, on) => {
      chosenByUser = true;
      if (on) compared.add(id);
      else compared.delete(id);
      void loadCurves();
    })));
  };

  renderStudies();
  renderTable();
  void loadCurves();
  const offRuns = ctx.events.on('runs', () => {
    renderTable();
    void loadCurves();
  });
  const offStudies = ctx.events.on('studies', renderStudies);
  const offCurves = ctx.events.on('curves', (c) => {
    if (!compared.has(c.id)) return;
    curves.set(c.id, c);
    drawChart();
  });
  return () => {
    offRuns();
    offStudies();
    offCurves();
    disposeChart(chart);
  };
}

function rows(r: RunSummary, compared: Set<string>, toggle: (id: string, on: boolean) => void): HTMLElement[] {
  const link = (view: ViewName, label: string) => h('a', { href: `#${view}/${encodeURIComponent(r.id)}` }, label);
  const f = r.final ?? {};
  const views = [
    link('live', 'live'),
    r.files.checkpoint && !r.segments && link('latent', 'latent'),
    r.files.checkpoint && !r.segments && link('anomalies', 'anomalies'),
    r.files.audio && link('listen', 'listen'),
    canTry(r) && link('try', 'try'),
    r.vae && r.files.decoder && link('generate', 'generate'),
    r.files.report && h('a', { href: runFile(r.id, 'report.html'), target: '_blank', rel: 'noopener' }, 'report'),
  ];
  const tr = h('tr', { dataset: { run: r.id } },
    h('td', {}, h('input', { type: 'checkbox', checked: compared.has(r.id), 'aria-label': `compare ${r.id}`, onchange: (e: Event) => toggle(r.id, (e.target as HTMLInputElement).checked) })),
    h('td', {}, h('a', { href: `#${r.status === 'running' ? 'live' : r.files.checkpoint && !r.segments ? 'latent' : r.files.audio ? 'listen' : 'live'}/${encodeURIComponent(r.id)}` }, r.id)),
    h('td', { title: r.message ?? '' }, badge(r.status)),
    h('td', { title: r.modelConfig ? JSON.stringify(r.modelConfig) : '' }, r.model ?? '–'),
    h('td', {}, r.data ?? '–'),
    h('td', { class: 'num' }, r.epochsDone !== undefined ? `${r.epochsDone} / ${r.epochsPlanned ?? '?'}` : '–'),
    h('td', { class: 'num' }, fmt(f.loss)),
    h('td', { class: 'num' }, fmt(f.valLoss)),
    h('td', { class: 'num' }, r.test?.mse !== undefined ? `${fmt(r.test.mse)}${r.test.pcaMse !== undefined ? ` (${fmt(r.test.pcaMse)})` : ''}` : '–'),
    h('td', { class: 'num' }, r.test?.psnr !== undefined ? r.test.psnr.toFixed(2) : '–'),
    h('td', { title: r.updated ?? '' }, ago(r.updated)),
    h('td', { class: 'links' }, ...views),
  );
  const out = [tr];
  if (r.problems.length) out.push(h('tr', { class: 'problem-row' }, h('td', {}), h('td', { colSpan: 11, class: 'problems' }, `⚠ ${r.problems.join('; ')}`)));
  return out;
}

/** The "start a run" form: presets on the built-in data sets, trained by `aekit train` in a child process. */
function newRunForm(ctx: Ctx): HTMLElement {
  const models = h('select', { name: 'model' }, h('option', { value: 'conv' }, 'conv'));
  const message = h('p', { class: 'note', id: 'new-run-message' });
  const num = (name: string, label: string, value: string, extra: Record<string, unknown> = {}) =>
    h('label', {}, label, h('input', { name, type: 'number', value, ...extra }));
  const form = h('form', { class: 'new-run', id: 'new-run' },
    h('label', {}, 'model', models),
    h('label', {}, 'data', h('select', { name: 'data' }, h('option', { value: 'mnist' }, 'mnist'), h('option', { value: 'fashion-mnist' }, 'fashion-mnist'))),
    num('epochs', 'epochs', '3', { min: 1, max: 10000 }),
    num('samples', 'training samples', '5000', { min: 16, max: 60000 }),
    num('testSamples', 'test samples', '1000', { min: 16, max: 10000 }),
    num('batchSize', 'batch size', '128', { min: 1, max: 4096 }),
    num('latent', 'code size', '', { min: 1, max: 1024, placeholder: 'preset' }),
    h('label', {}, 'learning rate', h('input', { name: 'lr', type: 'number', step: 'any', placeholder: 'preset' })),
    h('label', {}, 'name', h('input', { name: 'name', type: 'text', placeholder: 'automatic' })),
    h('button', { type: 'submit' }, 'Start training'),
  );
  void api<{ models: { name: string; help: string }[] }>('/api/options').then((o) => {
    fill(models, ...o.models.map((m) => h('option', { value: m.name, title: m.help, selected: m.name === 'conv' }, m.name)));
  }).catch(() => undefined);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const body: Record<string, unknown> = {};
    for (const [k, v] of data.entries()) {
      if (v === '') continue;
      body[k] = ['model', 'data', 'name'].includes(k) ? v : Number(v);
    }
    message.className = 'note';
    message.textContent = 'Starting…';
    api<{ job: TrainJob }>('/api/train', body).then(({ job }) => {
      message.textContent = `Started ${job.id} (process ${job.pid}).`;
      ctx.navigate('live', job.id);
    }, (err: Error) => {
      message.className = 'error';
      message.textContent = err.message;
    });
  });
  return h('div', { class: 'card' }, h('h2', {}, 'Start a run'), form, message,
    h('p', { class: 'note' }, 'Runs `aekit train` with these settings in a separate process, writing a run folder like any other. Files and configs: use `aekit train` in a terminal; the run shows up here.'));
}
