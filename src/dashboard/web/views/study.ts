/**
 * Tuning studies (`aekit tune`): without a study in the route, the list of
 * studies under the runs folder; with one, its page: the objective per trial
 * with the running best, each parameter against the objective, the
 * parameter importance of the study report, and the table of trials, each
 * linked to its ordinary run page. The page follows the study as it runs
 * (the server's `studies` and `runs` events).
 */
import { studyImportanceSpec, studyObjectiveSpec, studyParamsSpec } from '../../../viz/charts.js';
import { api, runFile, type RunSummary, type StudySummary, type StudyTrialRow, type StudyView } from '../api.js';
import { type Chart, disposeChart, makeChart, show, showEmpty } from '../chart.js';
import { ago, badge, duration, fill, fmt, h } from '../dom.js';
import type { Ctx } from '../main.js';

/** A searched parameter's value for a table cell. */
function paramText(v: unknown): string {
  return typeof v === 'number' ? fmt(v, 3) : typeof v === 'string' ? v : JSON.stringify(v);
}

/** "9 / 30": trials run of the budget the study was started with (a resume may have raised it: then the count alone). */
export function trialsText(s: StudySummary): string {
  return s.budget !== undefined && s.budget > s.trials ? `${s.trials} / ${s.budget}` : String(s.trials);
}

/** "12 complete · 3 pruned · 1 running" (states with trials only). */
function countsText(s: StudySummary): string {
  const parts = Object.entries(s.counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  return parts.join(' · ') || 'no trial yet';
}

export function studyView(root: HTMLElement, ctx: Ctx): () => void {
  return ctx.id ? studyPage(root, ctx, ctx.id) : studyList(root, ctx);
}

function studyList(root: HTMLElement, ctx: Ctx): () => void {
  const body = h('tbody');
  root.append(
    h('h1', {}, 'Studies'),
    h('p', { class: 'sub' }, 'Hyperparameter searches (aekit tune) under the runs folder: each is a journal of trials, each trial an ordinary run folder.'),
    h('div', { class: 'card' }, h('table', { class: 'runs', id: 'studies-table' },
      h('thead', {}, h('tr', {},
        h('th', {}, 'study'), h('th', {}, 'status'), h('th', {}, 'objective'), h('th', { class: 'num' }, 'trials'), h('th', {}, 'states'),
        h('th', { class: 'num' }, 'best'), h('th', {}, 'sampler'), h('th', {}, 'pruner'), h('th', {}, 'parameters'), h('th', {}, 'updated'))),
      body)),
  );
  const render = () => {
    const studies = ctx.studies();
    if (studies.length === 0) {
      fill(body, h('tr', {}, h('td', { colSpan: 10, class: 'empty' }, 'No study yet. Start one with `aekit tune --config search.yaml --study <runs folder>/<name>` (docs/tuning.md).')));
      return;
    }
    fill(body, ...studies.flatMap((s) => {
      const tr = h('tr', { dataset: { study: s.id } },
        h('td', {}, h('a', { href: `#study/${encodeURIComponent(s.id)}` }, s.id)),
        h('td', {}, badge(s.status)),
        h('td', {}, s.objective ? `${s.objective} (${s.direction === 'maximize' ? 'max' : 'min'})` : '–'),
        h('td', { class: 'num' }, trialsText(s)),
        h('td', {}, countsText(s)),
        h('td', { class: 'num' }, s.best ? `${fmt(s.best.value)} (trial ${s.best.trial})` : '–'),
        h('td', {}, s.sampler ? `${s.sampler} (seed ${s.seed})` : '–'),
        h('td', {}, s.pruner ?? '–'),
        h('td', { class: 'wrap' }, s.params.join(', ') || '–'),
        h('td', { title: s.updated ?? '' }, ago(s.updated)),
      );
      return s.problems.length ? [tr, h('tr', { class: 'problem-row' }, h('td', { colSpan: 10, class: 'problems' }, `⚠ ${s.problems.join('; ')}`))] : [tr];
    }));
  };
  render();
  return ctx.events.on('studies', render);
}

function studyPage(root: HTMLElement, ctx: Ctx, id: string): () => void {
  const title = h('h1', {}, `Study ${id} `);
  const sub = h('p', { class: 'sub' });
  const tiles = h('div', { class: 'tiles' });
  const objectiveEl = h('div', { class: 'chart', id: 'study-objective' });
  const importanceEl = h('div', { class: 'chart', id: 'study-importance' });
  const paramsEl = h('div', { class: 'chart', id: 'study-params' });
  const importanceNote = h('p', { class: 'note' });
  const head = h('thead');
  const body = h('tbody');
  const error = h('p', { class: 'error', hidden: true });
  root.append(
    title, sub, error, tiles,
    h('div', { class: 'grid2' },
      h('div', { class: 'card' }, objectiveEl),
      h('div', { class: 'card' }, importanceEl, importanceNote)),
    h('div', { class: 'card', style: { marginTop: '16px' } }, paramsEl),
    h('div', { class: 'card' }, h('h2', {}, 'Trials'),
      h('div', { style: { overflowX: 'auto' } }, h('table', { class: 'runs', id: 'study-trials' }, head, body)),
      h('p', { class: 'note' }, 'Each trial is a run folder under the study\'s trials/: its link opens the run\'s own views. ★ the best trial; ⟲ a trial enqueued (tune.enqueue, enqueueDefault) rather than drawn by the sampler.')),
  );
  const charts: Chart[] = [makeChart(objectiveEl), makeChart(importanceEl), makeChart(paramsEl)];
  const [objectiveChart, importanceChart, paramsChart] = charts as [Chart, Chart, Chart];
  let view: StudyView | undefined;
  let shownSummary = '';
  let loading = false;
  let again = false;

  const runLink = (row: StudyTrialRow): HTMLElement | string => {
    const run: RunSummary | undefined = ctx.runs().find((r) => r.study?.id === id && r.study.trial === row.number);
    const runId = run?.id ?? row.run;
    if (!runId) return '–';
    const to = run?.status === 'running' || !run?.files.checkpoint ? 'live' : 'latent';
    return h('span', { class: 'links' },
      h('a', { href: `#${to}/${encodeURIComponent(runId)}` }, runId.split('/').pop()!),
      run?.files.report && h('a', { href: runFile(runId, 'report.html'), target: '_blank', rel: 'noopener', style: { marginLeft: '8px' } }, 'report'));
  };

  const draw = (v: StudyView) => {
    fill(title, `Study ${id} `, badge(v.status));
    const link = (file: string, text: string) => h('a', { href: runFile(id, file), target: '_blank', rel: 'noopener' }, text);
    fill(sub, v.objective
      ? `Objective ${v.objective} (${v.direction === 'maximize' ? 'higher is better' : 'lower is better'}) · sampler ${v.sampler} (seed ${v.seed}) · pruner ${v.pruner}${v.metric && v.pruner !== 'none' ? ` on ${v.metric}` : ''} · ${v.params.length} parameters`
      : '',
    v.files.report && ' · ', v.files.report && link('report.html', 'study report'),
    v.files.bestConfig && ' · ', v.files.bestConfig && link('best-config.json', 'best config'));
    error.hidden = v.problems.length === 0;
    error.textContent = v.problems.join('; ');
    const tile = (k: string, value: string | Node) => h('div', { class: 'tile' }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, value));
    fill(tiles,
      tile('trials', trialsText(v)),
      tile('states', countsText(v)),
      tile(`best ${v.objective ?? ''}`, v.best ? fmt(v.best.value) : '–'),
      tile('best trial', v.best ? String(v.best.trial) : '–'),
      tile('updated', ago(v.updated)));
    const o = { objective: v.objective ?? 'objective', direction: v.direction ?? 'minimize' } as const;
    const complete = v.points.filter((p) => p.state === 'complete').length;
    if (complete === 0) {
      showEmpty(objectiveChart, 'No complete trial yet');
      showEmpty(paramsChart, 'No complete trial yet');
    } else {
      show(objectiveChart, studyObjectiveSpec(v.points, o));
      // One row of panels per 3 parameters, as the study report draws them.
      paramsEl.style.height = `${120 + 300 * Math.ceil(v.axes.length / 3)}px`;
      paramsChart.resize();
      show(paramsChart, studyParamsSpec(v.points, v.axes, o));
    }
    if (v.importance.length) {
      show(importanceChart, studyImportanceSpec(v.importance, { method: v.importanceMethod }));
      importanceNote.textContent = 'Share of the objective\'s variance explained by each parameter alone (η², 5 rank bins for numeric spaces), computed as in the study report: read it as a ranking.';
    } else {
      showEmpty(importanceChart, 'Parameter importance needs 3 complete trials');
      importanceNote.textContent = '';
    }
    drawTable(v);
  };

  const drawTable = (v: StudyView) => {
    fill(head, h('tr', {},
      h('th', { class: 'num' }, 'trial'), h('th', {}, 'state'),
      h('th', { class: 'num' }, v.objective ?? 'objective'), h('th', { class: 'num' }, 'epochs'), h('th', { class: 'num' }, 'pruned at'), h('th', { class: 'num' }, 'time'),
      ...v.params.map((p) => h('th', { class: 'num', title: p }, p.split('.').pop()!)),
      h('th', {}, 'run')));
    const best = v.best?.trial;
    fill(body, ...v.rows.map((r) => h('tr', { dataset: { trial: String(r.number) }, class: r.number === best ? 'best' : '' },
      h('td', { class: 'num', title: r.enqueued ? 'enqueued' : r.claims > 1 ? `claimed ${r.claims} times (a worker died)` : '' }, `${r.number === best ? '★ ' : ''}${r.enqueued ? '⟲ ' : ''}${r.number}`),
      h('td', { title: r.message ?? '' }, badge(r.state)),
      h('td', { class: 'num' }, fmt(r.value)),
      h('td', { class: 'num' }, r.epochs !== undefined ? String(r.epochs) : '–'),
      h('td', { class: 'num', title: r.message ?? '' }, r.prunedAt !== undefined ? `epoch ${r.prunedAt}` : '–'),
      h('td', { class: 'num' }, duration(r.seconds)),
      ...v.params.map((p) => h('td', { class: 'num' }, paramText(r.params[p]))),
      h('td', {}, runLink(r)))));
  };

  const load = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      view = await api<StudyView>(`/api/study?id=${encodeURIComponent(id)}`);
      draw(view);
    } catch (e) {
      error.hidden = false;
      error.textContent = (e as Error).message;
    } finally {
      loading = false;
      if (again) {
        again = false;
        void load();
      }
    }
  };

  void load();
  const offStudies = ctx.events.on('studies', (d) => {
    const s = d.studies.find((x) => x.id === id);
    const json = JSON.stringify(s ?? null);
    if (json === shownSummary) return;
    shownSummary = json;
    void load();
  });
  // A trial's run folder appears (or changes state) after its claim: its link follows the runs list.
  const offRuns = ctx.events.on('runs', () => {
    if (view) drawTable(view);
  });
  return () => {
    offStudies();
    offRuns();
    charts.forEach(disposeChart);
  };
}
